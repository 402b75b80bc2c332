"""Reading policy files: the bundled ones, version selection, and errors that name file and key."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from zhengkedai.domain import compensation, policy_rules
from zhengkedai.domain.loans import Enterprise
from zhengkedai.domain.money import parse_yuan
from zhengkedai.domain.policy import (
    DEFAULT_POLICY_NAME,
    PolicyError,
    default_policy_dir,
    load_default_policy,
    load_policy,
    load_policy_dir,
    load_policy_text,
)

ZZ_PATH = default_policy_dir() / "zhengzhou-2019.toml"
ZZ_TEXT = ZZ_PATH.read_text(encoding="utf-8")


def edited(old: str, new: str) -> str:
    assert old in ZZ_TEXT, old
    return ZZ_TEXT.replace(old, new, 1)


def load_error(text: str) -> str:
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, "test.toml")
    return str(info.value)


def test_the_bundled_directory_holds_both_policies_and_the_default_is_zhengzhou_2019() -> None:
    policies = load_policy_dir(default_policy_dir())
    assert sorted(policies) == ["henan-2025", "zhengzhou-2019"]
    assert load_default_policy().name == DEFAULT_POLICY_NAME == "zhengzhou-2019"
    assert policies["henan-2025"].predecessor is policies["zhengzhou-2019"]


def test_the_version_in_force_on_the_disbursement_date_governs_the_loan() -> None:
    first_version = ZZ_TEXT[ZZ_TEXT.index("\n[[versions]]") :]
    later = first_version.replace('version = "2019"', 'version = "2023"')
    later = later.replace("effective_from = 2019-01-01", "effective_from = 2023-07-01")
    policy = load_policy_text(ZZ_TEXT + later, "two-versions.toml")
    assert policy.version_on(dt.date(2023, 6, 30)).version == "2019"
    assert policy.version_on(dt.date(2023, 7, 1)).version == "2023"


def test_dates_before_a_policy_fall_to_its_predecessor() -> None:
    henan = load_policy_dir(default_policy_dir())["henan-2025"]
    assert henan.version_on(dt.date(2025, 5, 31)).policy_name == "zhengzhou-2019"
    assert henan.version_on(dt.date(2025, 6, 1)).policy_name == "henan-2025"


def test_the_policy_folder_can_be_replaced_with_the_resources_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "templates" / "policies").mkdir(parents=True)
    shutil.copy(ZZ_PATH, tmp_path / "templates" / "policies" / "zz.toml")
    monkeypatch.setenv("ZKD_RESOURCES_DIR", str(tmp_path))
    assert default_policy_dir() == tmp_path / "templates" / "policies"
    assert load_default_policy().source.endswith("zz.toml")


def test_parameters_no_public_text_fixes_are_marked_as_programme_choices() -> None:
    version = load_default_policy().versions[0]
    subsidies = version.subsidies
    for section in (subsidies.guarantee_fee, subsidies.financing, subsidies.investment_risk):
        assert section.is_choice("rate")
        assert section.source_of("rate").startswith("programme choice: ")
    assert not subsidies.financing.is_choice("cap_per_enterprise_year")
    assert "第(十九)条" in subsidies.financing.source_of("cap_per_enterprise_year")


def test_a_version_lists_its_programme_choices() -> None:
    choices = dict(load_default_policy().versions[0].programme_choices())
    assert sorted(choices) == [
        "reserve.target_ratio",
        "subsidies.financing.rate",
        "subsidies.guarantee_fee.rate",
        "subsidies.investment_risk.rate",
    ]


def test_the_engine_has_no_code_for_henan() -> None:
    for module in (compensation, policy_rules):
        assert "henan" not in Path(module.__file__ or "").read_text(encoding="utf-8").lower()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'ratio = "80%"',
            "ratio = 0.8",
            "versions[0].claim_rules[2].tiers[1].ratio: write ratios as strings",
        ),
        ('ratio = "80%"', 'ratio = "180%"', "between 0% and 100%"),
        (
            'amount = "5000000.00"',
            "amount = 5000000.0",
            "claim_rules[3].amount: write amounts as strings",
        ),
        ('amount = "5000000.00"', 'amount = "5,00,000"', "claim_rules[3].amount"),
        (
            'rate = "30%"',
            'rate = "30%"\nbonus = "1%"',
            "subsidies.financing.bonus: Extra inputs are not permitted",
        ),
        (
            '[versions.subsidies.financing.choices]\nrate = "programme default (no public text fixes it)"',
            "",
            "subsidies.financing: parameter 'rate' names no source",
        ),
        (
            'label = "本金实际损失的80%"',
            'label = "x"\nwhen = { high_tech = true }',
            "the last tier must have no conditions",
        ),
        ("high_tech = true,", "high_tch = true,", "unknown fact 'high_tch'"),
        (
            'loan_type = ["credit", "ip_pledge"]',
            'loan_type = ["credit", "pawn"]',
            "unknown ['pawn']",
        ),
        ("high_tech = true,", 'high_tech = "yes",', "high_tech: expected true or false"),
        (
            'enterprise_losses = { le = "3000000.00" }',
            'enterprise_losses = { under = "1" }',
            "unknown comparison 'under'",
        ),
        ('kind = "cap_per_loan"', 'kind = "cap_per_dog"', "claim_rules[3]"),
        (
            'target_ratio = "10%"',
            'target_ratio = "20%"',
            "reserve: target_ratio 20% is outside 10%–15%",
        ),
        ("effective_from = 2019-01-01", "", "versions[0].effective_from: Field required"),
    ],
)
def test_a_bad_policy_file_is_refused_naming_the_file_and_the_key(
    old: str, new: str, message: str
) -> None:
    error = load_error(edited(old, new))
    assert error.startswith("test.toml: ")
    assert message in error


def test_rules_out_of_phase_order_are_refused() -> None:
    cap = (
        '[[versions.claim_rules]]\nkind = "cap_per_loan"\namount = "1"\nclause = "x"\nname = "c2"\n'
    )
    text = ZZ_TEXT.replace("# Claim rules, run in order", cap + "# Claim rules", 1)
    assert "claim_rules go in order" in load_error(text)


def test_a_file_that_is_not_toml_is_refused_with_its_name() -> None:
    assert load_error("name = ").startswith("test.toml: not valid TOML")


def test_an_unknown_predecessor_is_refused() -> None:
    text = edited('title = "郑州市', 'predecessor = "nobody"\ntitle = "郑州市')
    assert "predecessor: unknown policy 'nobody'" in load_error(text)


def test_a_directory_with_two_policies_of_one_name_is_refused(tmp_path: Path) -> None:
    shutil.copy(ZZ_PATH, tmp_path / "a.toml")
    shutil.copy(ZZ_PATH, tmp_path / "b.toml")
    with pytest.raises(PolicyError, match="also the name of"):
        load_policy_dir(tmp_path)


def test_a_missing_policy_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "none.toml")


def firm(code: str, revenue: str) -> Enterprise:
    return Enterprise(code, "firm", None, parse_yuan(revenue), False, False)


@pytest.mark.parametrize(
    ("code", "revenue", "problems", "klass"),
    [
        ("91410100MA44XXXX0X", "200000000.00", 0, "A"),
        ("91410100MA44XXXX0X", "200000000.01", 0, "B"),
        ("91410100MA44XXXX0X", "400000000.00", 0, "B"),
        ("91410100MA44XXXX0X", "400000000.01", 1, None),
        ("91410300MA44XXXX0X", "1000.00", 1, "A"),  # Luoyang, not Zhengzhou
        ("91110100MA44XXXX0X", "400000000.01", 2, None),
    ],
)
def test_eligibility_reads_the_division_code_and_the_revenue_limit(
    code: str, revenue: str, problems: int, klass: str | None
) -> None:
    eligibility = load_default_policy().versions[0].eligibility
    enterprise = firm(code, revenue)
    assert len(eligibility.problems(enterprise)) == problems
    assert eligibility.enterprise_class(enterprise.revenue_prev_year) == klass
