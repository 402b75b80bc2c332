"""Filing subsidy applications: amounts by the default policy, yearly caps shared in file order.

Default rates (programme choices): guarantee fee 50% of the fee counted (at most
1% a year of the guaranteed principal), financing 30% (cap 1,000,000.00 per
enterprise a year), investment risk 20% (cap 5,000,000.00 per institution a year).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests import factories as f
from zhengkedai.db.models import ImportFileRow
from zhengkedai.domain.money import parse_yuan
from zhengkedai.imports.records import SubsidyRecord as Record
from zhengkedai.imports.uscc import make_uscc
from zhengkedai.services.subsidies import applications as subsidies
from zhengkedai.services.subsidies import workflow as subsidy_workflow
from zhengkedai.services.subsidies.applications import SubsidyRefused

FIRM = make_uscc("410100", 7)
OTHER = make_uscc("410100", 8)


def y(text: str) -> int:
    return parse_yuan(text)


def record(kind: str, basis: str, *, who: str = FIRM, year: int = 2025, ref: str = "R1",
           investee: str | None = None) -> Record:
    return Record.model_validate({"kind": kind, "beneficiary": who, "basis": y(basis),
                                  "investee": investee, "period": year, "reference": ref})


class Filer:
    """Files records as one subsidies file would, row numbers from 2."""

    def __init__(self, uow, actor) -> None:  # type: ignore[no-untyped-def]
        self.uow, self.actor = uow, actor
        row = ImportFileRow(filer="", kind="subsidies", filename="subsidies.csv",
                            sha256=f"{id(self):064x}"[-64:], encoding="utf-8", row_count=0,
                            accepted_at=actor.now(), operator=actor.operator)
        uow.s.add(row)
        uow.s.flush()
        self.file, self.file_id, self.row = row, row.id, 1

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.row += 1
        self.file.row_count += 1  # as an accepted file records its rows
        return subsidies.file_subsidy(self.uow, self.actor, record(*args, **kwargs),
                                      file_id=self.file_id, file_row=self.row)


@pytest.fixture
def filer(uow, actor) -> Filer:  # type: ignore[no-untyped-def]
    f.bank(uow, actor, "ZZVC", "郑州科技创新投资有限公司", kind="investor")
    return Filer(uow, actor)


def test_a_financing_subsidy_exactly_at_the_cap_is_paid_whole(filer) -> None:
    row = filer("financing", "3333333.33")  # 999,999.999 half-up = 1,000,000.00
    assert row.amount_fen == y("1000000.00") and row.status == "submitted"
    steps = json.loads(row.trace)
    assert [s["rule"] for s in steps] == ["rate", "cap_per_enterprise_year"]
    assert steps[1]["limit"] == "1000000.00" and steps[1]["used"] == "0.00"
    assert steps[1]["before"] == "1000000.00" and steps[1]["after"] == "1000000.00"
    assert steps[0]["policy_version"] == "2019" and "100万元" in steps[1]["clause"]


def test_a_financing_subsidy_one_fen_over_the_cap_is_capped(filer) -> None:
    row = filer("financing", "3333333.35")  # 1,000,000.005 → 1,000,000.01 → capped
    assert row.amount_fen == y("1000000.00")
    assert json.loads(row.trace)[1]["before"] == "1000000.01"


def test_applications_sharing_a_cap_in_one_file_get_it_in_file_order(filer) -> None:
    amounts = [filer("financing", "1500000.00", ref=f"R{i}").amount_fen for i in range(1, 5)]
    assert amounts == [y("450000.00"), y("450000.00"), y("100000.00"), 0]
    third = subsidies.list_subsidies(filer.uow, kind="financing")[2]
    cap = third.trace[-1]
    assert (cap["limit"], cap["used"], cap["left"], cap["after"]) == (
        "1000000.00", "900000.00", "100000.00", "100000.00")
    assert filer("financing", "1500000.00", who=OTHER).amount_fen == y("450000.00")


def test_the_yearly_cap_starts_again_the_next_year(filer) -> None:
    assert filer("financing", "4000000.00", year=2025).amount_fen == y("1000000.00")
    assert filer("financing", "4000000.00", year=2025, ref="R2").amount_fen == 0
    assert filer("financing", "4000000.00", year=2026, ref="R3").amount_fen == y("1000000.00")


def test_a_rejected_application_frees_its_room_for_later_ones(filer, actor) -> None:
    filer("financing", "1500000.00", ref="R1")
    second = filer("financing", "1500000.00", ref="R2")
    subsidy_workflow.reject(filer.uow, actor, second.id, reason="材料不全")
    assert filer("financing", "3000000.00", ref="R3").amount_fen == y("550000.00")


def test_the_investment_risk_subsidy_is_capped_per_investor_a_year(filer) -> None:
    investee = make_uscc("410100", 9)
    assert filer("investment_risk", "25000000.00", who="ZZVC",
                 investee=investee).amount_fen == y("5000000.00")  # at the cap
    assert filer("investment_risk", "1.00", who="ZZVC", investee=investee,
                 ref="R2").amount_fen == 0
    over = filer("investment_risk", "30000000.00", who="ZZVC", investee=investee, year=2026,
                 ref="R3")
    assert over.amount_fen == y("5000000.00")
    assert json.loads(over.trace)[1]["before"] == "6000000.00"


def test_the_guarantee_fee_counted_is_at_most_one_percent_a_year_of_the_guaranteed_loan(
        filer, actor) -> None:
    uow = filer.uow
    f.bank(uow, actor, "ZZB")
    f.bank(uow, actor, "ZZDB", "担保公司", kind="guarantor")
    f.loan(uow, actor, institution="ZZB", loan_no="G1", principal=y("5000000.00"),
           loan_type="guaranteed", guarantor_code="ZZDB", disbursed_on=dt.date(2025, 1, 20),
           enterprise_seq=7, guarantee_fee=y("60000.00"))
    row = filer("guarantee_fee", "60000.00")  # counted 1% × 5,000,000 × 365/365 = 50,000
    assert row.amount_fen == y("25000.00")
    steps = json.loads(row.trace)
    assert [s["rule"] for s in steps] == ["guaranteed_loans", "fee_rate_cap", "rate"]
    assert "ZZB G1 5,000,000.00 365 days" in steps[0]["note"]
    assert (steps[1]["before"], steps[1]["after"]) == ("60000.00", "50000.00")
    assert filer("guarantee_fee", "40000.00", ref="R2").amount_fen == y("20000.00")  # within


def test_without_a_guaranteed_programme_loan_the_fee_paid_counts_as_it_is(filer) -> None:
    row = filer("guarantee_fee", "60000.00", who=OTHER)
    assert row.amount_fen == y("30000.00")
    assert "not given" in json.loads(row.trace)[0]["note"]


@pytest.mark.parametrize(("kind", "who", "investee", "message"), [
    ("investment_risk", "NOPE", make_uscc("410100", 9), "must be a registered investment"),
    ("investment_risk", "ZZVC", "123", "investee '123'"),
    ("financing", "ZZVC", None, "must be an enterprise's credit code"),
])
def test_an_application_with_the_wrong_beneficiary_is_refused(
        filer, kind, who, investee, message) -> None:
    with pytest.raises(SubsidyRefused, match=message):
        filer(kind, "100.00", who=who, investee=investee)


def test_the_same_reference_twice_for_one_beneficiary_and_kind_is_refused(filer) -> None:
    first = filer("financing", "100.00")
    assert subsidies.problems(filer.uow, record("financing", "1.00")) == [
        f"reference 'R1' is already filed for this beneficiary and kind as subsidy #{first.id}"]
    assert subsidies.problems(filer.uow, record("financing", "1.00", who=OTHER)) == []
