"""Statements sized for people: a month's statements show the month, not all of history.

The claims register gives each claim's result and the rule that decided it in
one line, with every calculation in an appendix; the 对账单 lists the loans filed
in the month, with the full loan list as a CSV attachment in the pack; the close
keeps what the month's statements show, so the archive grows with activity.
"""

import datetime as dt
import json

from sqlalchemy import func, select

from tests import factories as f
from zhengkedai.db.models import StatementArchiveRow
from zhengkedai.services import closing
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import workflow
from zhengkedai.services.statements import packs


def _section(doc: dict, key: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in doc["sections"] if s["key"] == key)


def _ledger(uow, actor, old_loans: int = 30):  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, 3_000_000_000, on=dt.date(2025, 1, 2), ref="A")
    for n in range(old_loans):
        f.loan(uow, actor, loan_no=f"OLD-{n:03d}", enterprise_seq=n + 10,
               disbursed_on=dt.date(2025, 1, 10))
    new = f.loan(uow, actor, loan_no="NEW-1", principal=200_000_000,
                 disbursed_on=dt.date(2025, 3, 3))
    uow.commit()
    return new


def test_the_register_gives_each_claim_s_result_in_one_line_and_the_trace_in_an_appendix(
        uow, actor, clock) -> None:
    loan = _ledger(uow, actor, old_loans=0)
    big = claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", 100_000_000,
                                                dt.date(2025, 3, 20)))
    workflow.reject(uow, actor, big.id, "材料不全", dt.date(2025, 3, 25))
    uow.commit()
    doc = json.loads(packs.build_pack(uow, actor, "2025-03", fmt="json")
                     .files["2025-03_claims.json"])
    row = _section(doc, "register")["rows"][0]
    assert row["basis"].startswith("核定 800,000.00：") and "80%" in row["basis"]
    assert "\n" not in row["basis"] and "trace" not in row
    assert row["reason"] == "材料不全"
    assert doc["sections"][-1]["key"] == "traces"
    trace = doc["sections"][-1]["rows"][0]
    assert trace["claim_id"] == "C1" and len(trace["trace"].splitlines()) >= 5


def test_the_institution_statement_lists_the_month_s_loans_and_attaches_them_all(
        uow, actor, clock) -> None:
    _ledger(uow, actor)
    pack = packs.build_pack(uow, actor, "2025-03", fmt="json")
    doc = json.loads(pack.files["2025-03_institution_ZZB.json"])
    loans = _section(doc, "loans")
    assert [r["loan_no"] for r in loans["rows"]] == ["NEW-1"]
    assert loans["totals"][0]["principal"] == "2000000.00"
    assert "2025-03_ZZB_loans.csv：共 31 笔，贷款金额合计 32,000,000.00" in loans["paragraphs"][0]
    assert doc["attachments"] == ["2025-03_ZZB_loans.csv"]
    listed = pack.files["2025-03_ZZB_loans.csv"].decode("utf-8-sig").splitlines()
    assert listed[0].startswith("贷款编号,放款机构,企业名称") and len(listed) == 32
    manifest = json.loads(pack.files[pack.manifest_name])
    assert "2025-03_ZZB_loans.csv" in [item["name"] for item in manifest["files"]]


def test_a_closed_month_s_pack_needs_its_attachment_and_checks_its_bytes(uow, actor, clock) -> None:
    _ledger(uow, actor)
    clock.now = dt.datetime(2025, 4, 2, 9)
    closing.close_through(uow, actor, "2025-03")
    uow.commit()
    pack = packs.build_pack(uow, actor, "2025-03", fmt="csv")
    manifest = pack.files.pop(pack.manifest_name)
    assert packs.check_pack(uow, actor, pack.manifest_name, manifest, pack.files.get).problems == []
    name = "2025-03_ZZB_loans.csv"
    changed = {**pack.files, name: pack.files[name].replace(b"2000000.00", b"2000001.00")}
    problems = packs.check_pack(uow, actor, pack.manifest_name, manifest, changed.get).problems
    assert any(name in p for p in problems), problems


def test_the_archive_grows_with_the_month_s_activity_not_with_the_loans_ever_filed(
        uow, actor, clock) -> None:
    _ledger(uow, actor, old_loans=60)
    clock.now = dt.datetime(2025, 4, 2, 9)
    closing.close_through(uow, actor, "2025-03")
    uow.commit()
    sizes = dict(uow.s.execute(select(StatementArchiveRow.period,
                                      func.sum(func.length(StatementArchiveRow.content)))
                               .group_by(StatementArchiveRow.period)).all())
    # January filed 60 loans, February nothing, March one: no month keeps every loan
    assert sizes["2025-02"] < sizes["2025-01"]
    assert sizes["2025-03"] < sizes["2025-01"]
    for period in ("2025-02", "2025-03"):
        content = " ".join(uow.s.execute(select(StatementArchiveRow.content).where(
            StatementArchiveRow.period == period)).scalars())
        assert "OLD-000" not in content


def test_the_loan_lists_written_beside_are_the_lists_written_here(
        uow, actor, clock, monkeypatch) -> None:
    """A pack's loan lists come from a second process (the database's work beside the
    statements): the same bytes as written in this process, for an open and a closed
    month, and nothing left in the temporary folder."""
    import os

    from zhengkedai.services.audit import beside
    from zhengkedai.services.statements import loan_lists

    _ledger(uow, actor)
    f.bank(uow, actor, "ZZC", "郑州C银行")
    f.loan(uow, actor, institution="ZZC", loan_no="=C-1", disbursed_on=dt.date(2025, 3, 9))
    uow.commit()
    started: list[int | None] = []
    folders: list[str] = []
    real_start = beside.start

    def start(u, jobs):  # type: ignore[no-untyped-def]
        child = real_start(u, jobs)
        started.append(None if child is None else child.pid)
        return child
    monkeypatch.setattr(beside, "start", start)
    real_init = loan_lists.LoanLists.__init__

    def init(self, *args):  # type: ignore[no-untyped-def]
        real_init(self, *args)
        folders.append(str(self.folder))
    monkeypatch.setattr(loan_lists.LoanLists, "__init__", init)

    def both(period: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
        beside_pack = packs.build_pack(uow, actor, period, fmt="csv").files
        monkeypatch.setattr(beside, "start", lambda u, jobs: None)
        here_pack = packs.build_pack(uow, actor, period, fmt="csv").files
        monkeypatch.setattr(beside, "start", start)
        return beside_pack, here_pack

    opened, here = both("2025-03")
    assert started and started[0] is not None and started[0] != os.getpid()
    assert opened == here
    assert opened["2025-03_ZZC_loans.csv"].decode("utf-8-sig").splitlines()[1].startswith("'=C-1,")
    assert len(opened["2025-03_ZZB_loans.csv"].splitlines()) == 32
    clock.now = dt.datetime(2025, 4, 2, 9)
    closing.close_through(uow, actor, "2025-03")
    uow.commit()
    closed, here = both("2025-03")
    assert started[-1] is not None
    assert closed == here and {n for n in closed if n.endswith("_loans.csv")} == {
        "2025-03_ZZB_loans.csv", "2025-03_ZZC_loans.csv"}
    assert folders and not any(os.path.exists(folder) for folder in folders)
