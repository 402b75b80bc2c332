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


def _edited_bundle(tmp_path):  # type: ignore[no-untyped-def]
    """The bundled policy files, zhengzhou-2019's per-loan cap edited to 4,000,000.00."""
    folder = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), folder)
    path = folder / "zhengzhou-2019.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'amount = "5000000.00"', 'amount = "4000000.00"'), encoding="utf-8")
    return folder, path


def test_an_edited_bundled_file_changes_nothing_on_a_running_ledger_and_says_how_to_adopt_it(
        uow, actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    policies.load_bundled(uow, actor)
    old = policies.active(uow).row_id
    stored_before = [r.id for r in policies.list_stored(uow)]
    changes_before = len(policies.changes(uow))
    folder, path = _edited_bundle(tmp_path)
    notes = policies.load_bundled(uow, actor, folder)
    assert len(notes) == 1 and f"`zkd policy load {path}`" in notes[0]
    assert "`zkd policy activate zhengzhou-2019`" in notes[0]
    assert policies.active(uow).row_id == old
    assert policies.active(uow).policy.version_on(dt.date(2025, 1, 1)).claim_rules[-1].amount \
        == y("5,000,000")
    assert [r.id for r in policies.list_stored(uow)] == stored_before
    assert len(policies.changes(uow)) == changes_before


def test_loading_then_activating_an_edited_policy_records_who_did_each_and_when(
        uow, actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    policies.load_bundled(uow, actor)
    old = policies.active(uow).row_id
    _folder, path = _edited_bundle(tmp_path)
    row, new = policies.store(uow, actor, path.read_text(encoding="utf-8"), path.name)
    assert new and not row.active and policies.active(uow).row_id == old  # stored, not in force
    new_active = policies.activate(uow, actor, "zhengzhou-2019")
    assert new_active.row_id == row.id
    assert new_active.policy.version_on(dt.date(2025, 1, 1)).claim_rules[-1].amount \
        == y("4,000,000")
    log = [(c.action, c.name, c.policy_id, c.previous_id, c.command, c.changed_by)
           for c in policies.changes(uow)]
    assert log[-2:] == [("load", "zhengzhou-2019", row.id, None, "zkd policy load", "tester"),
                        ("activate", "zhengzhou-2019", row.id, old, "zkd policy activate",
                         "tester")]
    assert policies.changes(uow)[-1].changed_at.date() == actor.today()
    assert policies.last_activations(uow)[row.id].changed_by == "tester"


def test_activating_the_active_policy_records_nothing(uow, actor) -> None:  # type: ignore[no-untyped-def]
    policies.load_bundled(uow, actor)
    count = len(policies.changes(uow))
    policies.activate(uow, actor, "zhengzhou-2019")
    assert len(policies.changes(uow)) == count


def test_a_new_ledger_records_the_bundled_policies_stored_and_the_default_activated(
        uow, actor) -> None:  # type: ignore[no-untyped-def]
    notes = policies.load_bundled(uow, actor)
    assert notes == ("Policies stored: zhengzhou-2019, henan-2025; active: zhengzhou-2019 "
                     f"(stored #{policies.active(uow).row_id}).",)
    assert [(c.action, c.name, c.command) for c in policies.changes(uow)] == [
        ("load", "zhengzhou-2019", "zkd init"), ("load", "henan-2025", "zkd init"),
        ("activate", "zhengzhou-2019", "zkd init")]


def test_a_bundled_policy_of_a_new_name_is_stored_inactive_and_named(
        uow, actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    policies.load_bundled(uow, actor)
    folder = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), folder)
    text = (folder / "henan-2025.toml").read_text(encoding="utf-8")
    (folder / "henan-2026.toml").write_text(
        text.replace('name = "henan-2025"', 'name = "henan-2026"'), encoding="utf-8")
    notes = policies.load_bundled(uow, actor, folder)
    stored = {r.name: r for r in policies.list_stored(uow)}
    assert not stored["henan-2026"].active and policies.active(uow).policy.name == "zhengzhou-2019"
    assert notes == (f"Stored the new policy henan-2026 as #{stored['henan-2026'].id}, not "
                     "active: `zkd policy activate henan-2026` makes it govern new claims.",)


def test_activating_henan_2025_governs_new_loans_and_leaves_old_loans_under_zhengzhou_2019(
        uow, actor) -> None:  # type: ignore[no-untyped-def]
    policies.load_bundled(uow, actor)
    stored = policies.activate(uow, actor, "henan-2025")
    assert [r.name for r in policies.list_stored(uow) if r.active] == ["henan-2025"]
    assert stored.policy.version_on(dt.date(2025, 1, 10)).policy_name == "zhengzhou-2019"
    assert stored.policy.version_on(dt.date(2025, 6, 10)).policy_name == "henan-2025"
    with pytest.raises(NotFound, match="no stored policy named 'nope'"):
        policies.activate(uow, actor, "nope")


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
