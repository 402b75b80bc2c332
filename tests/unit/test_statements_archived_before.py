"""A statement kept by a close before the 对账单 changed shape still renders as it did.

The fixture is the archive text of the demo's October 对账单 for ZZB as the
earlier code kept it (every loan listed, no issuer, no attachment), with the JSON
that code wrote from it.
"""

from pathlib import Path

from zhengkedai.domain.statement_codec import decode, encode
from zhengkedai.render.tabular import render_csv, render_json

FIXTURES = Path(__file__).parent.parent / "fixtures" / "archived_v1"


def _archived() -> str:
    return (FIXTURES / "2025-10_institution_ZZB.archive.json").read_text(encoding="utf-8").strip()


def test_an_old_archived_statement_renders_the_same_json_as_when_it_was_kept() -> None:
    doc = decode(_archived())
    assert render_json(doc) == (FIXTURES / "2025-10_institution_ZZB.json").read_bytes()


def test_an_old_archived_statement_names_no_issuer_and_no_attachment_and_encodes_back() -> None:
    doc = decode(_archived())
    assert doc.issuer is None and doc.attachments == ()
    assert encode(doc) == _archived()
    assert "issuer" not in render_csv(doc).decode("utf-8-sig").splitlines()[0]
    loans = doc.section("loans")
    assert loans.heading == "六、项目贷款明细" and loans.table is not None
    assert len(loans.table.rows) == 11  # ten loans and the total, as then
