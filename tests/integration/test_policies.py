"""Policies in the database: loaded whole by init, one active, claims recomputable from what is stored."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests import factories as f
from zhengkedai.db.models import ClaimRow, EntryRow, PolicyVersionRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.domain.policy import default_policy_dir
from zhengkedai.services import policies, setup
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import views as claims_views


def test_init_stores_both_bundled_policies_once_and_makes_zhengzhou_2019_active(
        engine, actor) -> None:  # type: ignore[no-untyped-def]
    first = setup.init_database(engine, actor)
    again = setup.init_database(engine, actor)
    assert any("zhengzhou-2019" in n for n in first.notes) and again.notes == ()
    with UnitOfWork(engine) as uow:
        rows = policies.list_stored(uow)
        assert sorted(r.name for r in rows) == ["henan-2025", "zhengzhou-2019"]
        assert [r.name for r in rows if r.active] == ["zhengzhou-2019"]
        stored = policies.active(uow)
        text = (default_policy_dir() / "zhengzhou-2019.toml").read_text(encoding="utf-8")
        assert stored.sha256 == policies.sha256_of(text)
        assert uow.s.get(PolicyVersionRow, stored.row_id).content == text


def test_an_edited_policy_file_is_stored_beside_the_old_one_and_becomes_active(
        uow, actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    policies.load_bundled(uow, actor)
    old = policies.active(uow).row_id
    folder = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), folder)
    path = folder / "zhengzhou-2019.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'amount = "5000000.00"', 'amount = "4000000.00"'), encoding="utf-8")
    note = policies.load_bundled(uow, actor, folder)
    assert note and "zhengzhou-2019" in note
    new = policies.active(uow)
    assert new.row_id != old and uow.s.get(PolicyVersionRow, old) is not None
    assert new.policy.version_on(dt.date(2025, 1, 1)).claim_rules[-1].amount == y("4,000,000")


def test_activating_henan_2025_governs_new_loans_and_leaves_old_loans_under_zhengzhou_2019(
        uow, actor) -> None:  # type: ignore[no-untyped-def]
    policies.load_bundled(uow, actor)
    stored = policies.activate(uow, "henan-2025")
    assert [r.name for r in policies.list_stored(uow) if r.active] == ["henan-2025"]
    assert stored.policy.version_on(dt.date(2025, 1, 10)).policy_name == "zhengzhou-2019"
    assert stored.policy.version_on(dt.date(2025, 6, 10)).policy_name == "henan-2025"
    with pytest.raises(NotFound, match="no stored policy named 'nope'"):
        policies.activate(uow, "nope")


def test_the_rules_in_force_name_their_clause_and_mark_programme_choices(uow, actor) -> None:  # type: ignore[no-untyped-def]
    policies.load_bundled(uow, actor)
    version = policies.active(uow).policy.version_on(dt.date(2025, 1, 1))
    lines = {(r.section, r.name): r for r in policies.describe(version)}
    cap = lines[("claim_rules[4] cap_per_loan", "cap_per_loan")]
    assert cap.value == "at most 5,000,000.00 per loan" and "第(十九)条" in cap.source
    assert lines[("reserve", "target_ratio")].programme_choice
    assert not lines[("suspension", "overdue_ratio_max")].programme_choice
    assert lines[("subsidies.financing", "rate")].source.startswith("programme choice: ")


def test_a_database_never_initialised_loads_the_default_policy_on_the_first_claim(
        uow, actor) -> None:  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    loan = f.loan(uow, actor)
    claim = claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", y("1,000,000"),
                                                  dt.date(2025, 3, 1)))
    assert claim.amount_fen == y("800,000")
    assert uow.s.get(PolicyVersionRow, claim.policy_id).name == "zhengzhou-2019"


def test_replaying_under_henan_2025_shows_each_difference_and_writes_nothing(uow, actor) -> None:  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    policies.load_bundled(uow, actor)
    # 100,000,000.00 outstanding at the end of 2024: Henan's yearly cap is 2% of it, 2,000,000.00
    f.loan(uow, actor, loan_no="OLD", principal=y("100,000,000"), disbursed_on=dt.date(2024, 3, 1))
    before_june = f.loan(uow, actor, loan_no="A", disbursed_on=dt.date(2025, 1, 10))
    after_june = f.loan(uow, actor, loan_no="B", disbursed_on=dt.date(2025, 6, 10), enterprise_seq=2)
    for loan, on in ((before_june, dt.date(2025, 6, 20)), (after_june, dt.date(2025, 6, 21))):
        claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", y("1,000,000"), on))
    counts = [uow.s.query(t).count() for t in (ClaimRow, EntryRow, PolicyVersionRow)]
    path = default_policy_dir() / "henan-2025.toml"
    result = claims_views.replay(uow, path.read_text(encoding="utf-8"), str(path))
    by_loan = {line.loan_no: line for line in result.lines}
    assert (by_loan["A"].old, by_loan["A"].new) == (y("800,000"), y("800,000"))  # 新老划断
    assert by_loan["A"].new_policy == "zhengzhou-2019/2019"
    assert (by_loan["B"].old, by_loan["B"].new, by_loan["B"].difference) == (
        y("800,000"), y("500,000"), -y("300,000"))  # revenue 50M: 50%
    assert (result.total_old, result.total_new) == (y("1,600,000"), y("1,300,000"))
    assert [uow.s.query(t).count() for t in (ClaimRow, EntryRow, PolicyVersionRow)] == counts
    assert {c.amount_fen for c in uow.s.query(ClaimRow)} == {y("800,000")}
