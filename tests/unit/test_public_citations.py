"""What users read cites public documents, never the project's own working papers.

Policy files' sources, traces and import messages reach bank clerks, finance
staff and auditors (screens, errors CSVs, PDFs). They must name a document a
user can look up (郑政办〔2018〕97号, 郑州市2019年科技金融政策 第二条, the city's
opinions 第(十九)条), not "SPEC 9" or "seed".
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from zhengkedai.domain.compensation import RECOVERIES_CLAUSE
from zhengkedai.domain.policy import default_policy_dir
from zhengkedai.imports.eligibility import DEFAULT_RULES
from zhengkedai.imports.templates import template_readme
from zhengkedai.imports.uscc import make_uscc

INTERNAL = ("SPEC", "seed", "种子")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _internal(text: str) -> list[str]:
    return [word for word in INTERNAL if word.casefold() in text.casefold()]


@pytest.mark.parametrize("name", ["zhengzhou-2019.toml", "henan-2025.toml"])
def test_every_source_in_a_bundled_policy_names_a_public_document(name):
    doc = tomllib.loads((default_policy_dir() / name).read_text(encoding="utf-8"))
    found = [(s, words) for s in _strings(doc) if (words := _internal(s))]
    assert found == []


def test_the_per_loan_cap_cites_the_city_opinions_article_nineteen_by_title():
    doc = tomllib.loads((default_policy_dir() / "zhengzhou-2019.toml").read_text(encoding="utf-8"))
    [cap] = [r for r in doc["versions"][0]["claim_rules"] if r["kind"] == "cap_per_loan"]
    assert "《关于率先构建一流创新生态 建设国家创新高地的意见（征求意见稿）》第(十九)条" in cap["clause"]


def test_eligibility_messages_cite_the_public_scheme():
    rules = DEFAULT_RULES(dt.date(2025, 6, 1))
    outside = rules.registration_problem(make_uscc("410200", 3))
    too_big = rules.revenue_problem(40_000_000_001)
    assert outside is not None and "郑政办〔2018〕97号" in outside
    assert too_big is not None and "郑州市2019年科技金融政策" in too_big
    assert _internal(outside) == [] and _internal(too_big) == []


def test_the_recovery_rule_of_every_trace_cites_no_working_paper():
    assert _internal(RECOVERIES_CLAUSE) == []
    assert "第(十九)条" in RECOVERIES_CLAUSE


def test_the_file_templates_readme_cites_no_working_paper():
    assert _internal(template_readme()) == []
