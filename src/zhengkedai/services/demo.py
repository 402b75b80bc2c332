"""The demo: a year of ``sample_data/`` through a fresh SQLite database, month by month.

What finance staff would do each month, in order: book the treasury's
movements, take the banks' and staff's files, decide and pay the claims and
subsidies at the month's end (a claim that computes to 0.00 is rejected with
the rule that made it 0), take back recovery shares owed, close the month and
issue its statements. Withdrawals of what was filed by mistake
(``corrections.csv``) are made on their day, or right after the file they
correct, so the year shows a correction reconciling like everything else. Each step yields a line, so ``make demo`` reads as a
walk through the programme; the statements land in ``OUT/statements/YYYY-MM/``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from zhengkedai import resources
from zhengkedai.context import PROGRAMME_TZ, Actor
from zhengkedai.db.engine import make_engine
from zhengkedai.db.models import ClaimRow, LoanEventRow, RecoveryShareRow, SubsidyRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound, ZkdError
from zhengkedai.domain.loans import EVENT_TYPE_ZH
from zhengkedai.domain.money import format_grouped, parse_yuan
from zhengkedai.domain.periods import last_day, period_of
from zhengkedai.domain.subsidy_rules import SUBSIDY_KIND_ZH
from zhengkedai.domain.workflow import Status
from zhengkedai.i18n import _, code_name
from zhengkedai.outputs import write_folder
from zhengkedai.services import closing, institutions, setup
from zhengkedai.services.audit import verify as verify_service
from zhengkedai.services.claims import workflow as claims_workflow
from zhengkedai.services.files import importing
from zhengkedai.services.funds import budget, reserve
from zhengkedai.services.funds import fees as reserve_fee
from zhengkedai.services.loans import withdrawals
from zhengkedai.services.statements import packs
from zhengkedai.services.subsidies import workflow as subsidy_workflow

YEAR = 2025
FILE_ORDER = {"loans": 0, "events": 1, "subsidies": 2}


def sample_dir() -> Path:
    """The demo year's files, bundled with the program."""
    return resources.sample_data()


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _month_files(folder: Path, period: str) -> list[tuple[Path, str | None]]:
    found = []
    for path in folder.glob(f"{period}_*"):
        _, filer, kind = path.stem.split("_", 2)
        # ``2025-11_ZYB_events_refiled``: a kind's second file comes after its first
        found.append((FILE_ORDER.get(kind.split("_")[0], 9), path.name, path,
                      None if filer == "staff" else filer))
    return [(path, filer) for _, _, path, filer in sorted(found)]


def _treasury(uow: UnitOfWork, actor: Actor, row: dict[str, str]) -> str:
    on = dt.date.fromisoformat(row["date"])
    amount = parse_yuan(row["amount"])
    action, ref = row["action"], row["ref"] or None
    if action == "reserve_deposit":
        reserve.deposit(uow, actor, amount, source=row["source"], bank=row["bank"], on=on, ref=ref)
        return _("reserve deposit {amount} from {source} at {bank}").format(
            amount=format_grouped(amount), source=reserve.source_text(row["source"]),
            bank=row["bank"])
    if action == "budget_deposit":
        budget.deposit(uow, actor, amount, on=on, ref=ref)
        return _("subsidy budget deposit {amount}").format(amount=format_grouped(amount))
    if action == "reserve_interest":
        reserve.interest(uow, actor, amount, bank=row["bank"], on=on, ref=ref)
        return _("interest {amount} at {bank}").format(amount=format_grouped(amount),
                                                        bank=row["bank"])
    if action == "reserve_transfer":
        reserve.transfer(uow, actor, amount, from_bank=row["source"], to_bank=row["bank"], on=on,
                         ref=ref)
        return _("transfer {amount} from {source} to {bank}").format(
            amount=format_grouped(amount), source=row["source"], bank=row["bank"])
    if action == "reserve_fee":
        reserve_fee.pay_fee(uow, actor, amount, on=on, bank=row["bank"] or None, ref=ref)
        return _("management fee {amount}").format(amount=format_grouped(amount))
    raise ZkdError(_("treasury.csv: unknown action {action!r}").format(action=action))


def _correct(uow: UnitOfWork, actor: Actor, row: dict[str, str]) -> Iterator[str]:
    """Withdraw what ``row`` of ``corrections.csv`` names, as its filer would."""
    filer, loan_no, reason = row["filer"], row["loan_no"], row["reason"]
    if row["action"] == "withdraw_loan":
        done = withdrawals.withdraw_loan(uow, actor, loan_no, reason, institution=filer)
        yield "  " + _("withdrew loan {loan} ({filer}): {reason}").format(
            loan=loan_no, filer=filer, reason=reason)
    elif row["action"] == "withdraw_event":
        loan = withdrawals.find_loan(uow, loan_no, filer)
        kind = next(k for k, zh in EVENT_TYPE_ZH.items() if zh == row["event"])
        event_id = uow.s.execute(select(LoanEventRow.id).where(
            LoanEventRow.loan_id == loan.id, LoanEventRow.withdrawn_on.is_(None),
            LoanEventRow.event == kind.value,
            LoanEventRow.occurred_on == dt.date.fromisoformat(row["occurred_on"]),
            LoanEventRow.amount_fen == parse_yuan(row["amount"]))).scalar_one_or_none()
        if event_id is None:
            raise NotFound(_("corrections.csv: no such event of {loan}: {row}").format(
                loan=loan_no, row=row))
        done = withdrawals.withdraw_event(uow, actor, event_id, reason)
        text = _("withdrew event #{event} ({kind} {amount} on loan {loan}, {filer}): {reason}")
        yield "  " + text.format(event=event_id, kind=code_name(EVENT_TYPE_ZH, kind),
                                 loan=loan_no, filer=filer,
                                 amount=format_grouped(parse_yuan(row["amount"])), reason=reason)
    else:
        raise ZkdError(_("corrections.csv: unknown action {action!r}").format(
            action=row["action"]))
    for claim_id in done.claims_withdrawn:
        yield "    " + _("claim C{claim} withdrawn with it").format(claim=claim_id)


def _month_end(uow: UnitOfWork, actor: Actor, end: dt.date) -> Iterator[str]:
    s = uow.s
    for claim in s.execute(select(ClaimRow).where(ClaimRow.status == Status.SUBMITTED)
                           .order_by(ClaimRow.id)).scalars().all():
        if claim.amount_fen == 0:
            claims_workflow.reject(uow, actor, claim.id, "计算补偿金额为 0（见计算过程）", on=end)
            yield "  " + _("claim C{claim} rejected: computes to 0.00").format(claim=claim.id)
        else:
            claims_workflow.approve(uow, actor, claim.id, end)
    for claim in s.execute(select(ClaimRow).where(ClaimRow.status == Status.APPROVED)
                           .order_by(ClaimRow.id)).scalars().all():
        claims_workflow.pay(uow, actor, claim.id, end)
        yield "  " + _("claim C{claim} ({institution}) paid {amount}").format(
            claim=claim.id, institution=claim.institution_code,
            amount=format_grouped(claim.amount_fen))
    owing = s.execute(select(RecoveryShareRow.claim_id).where(RecoveryShareRow.returned_on.is_(None))
                      .distinct().order_by(RecoveryShareRow.claim_id)).scalars().all()
    for claim_id in owing:
        for entry in claims_workflow.return_shares(uow, actor, claim_id, end):
            total = sum(ln.amount for ln in entry.lines if ln.amount > 0)
            yield "  " + _("recovery share of C{claim} returned: {amount}").format(
                claim=claim_id, amount=format_grouped(total))
    for sub in s.execute(select(SubsidyRow).where(SubsidyRow.status == Status.SUBMITTED)
                         .order_by(SubsidyRow.id)).scalars().all():
        if sub.amount_fen == 0:
            subsidy_workflow.reject(uow, actor, sub.id, reason="补助额度已用完", on=end)
            yield "  " + _("subsidy S{subsidy} rejected: its cap is used up").format(
                subsidy=sub.id)
            continue
        subsidy_workflow.approve(uow, actor, sub.id, on=end)
        subsidy_workflow.pay(uow, actor, sub.id, on=end)
        yield "  " + _("subsidy S{subsidy} ({kind}) paid {amount}").format(
            subsidy=sub.id, kind=code_name(SUBSIDY_KIND_ZH, sub.kind),
            amount=format_grouped(sub.amount_fen))


class _Calendar:
    """The demo's clock: it walks through the sample year, so files are filed,
    subsidies dated and months closed on the days they would be, and the same
    demo gives the same statements, byte for byte."""

    def __init__(self) -> None:
        self.now = dt.datetime(YEAR, 1, 1, 9, 0)

    def __call__(self) -> dt.datetime:
        return self.now.replace(tzinfo=PROGRAMME_TZ)  # Zhengzhou's office hours

    def at(self, day: dt.date, hour: int) -> None:
        self.now = dt.datetime.combine(day, dt.time(hour, 0))


def run(out: Path, actor: Actor) -> Iterator[str]:
    calendar = _Calendar()
    actor = Actor(operator=actor.operator, clock=calendar)
    data = sample_dir()
    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.db"
    if db.exists():
        db.unlink()
    engine = make_engine(f"sqlite:///{db}")
    try:
        setup.init_database(engine, actor)
        yield _("created {db} from {data}").format(db=db, data=data)
        with UnitOfWork(engine) as uow:
            calendar.at(dt.date(YEAR, 1, 1), 9)
            for row in _csv(data / "institutions.csv"):
                institutions.add(uow, actor, row["code"], row["name"], row["kind"])
            uow.commit()
        treasury = _csv(data / "treasury.csv")
        corrections = _csv(data / "corrections.csv")
        for month in range(1, 13):
            period = f"{YEAR}-{month:02d}"
            yield f"{period}:"
            # the month's days: treasury movements at 10:00, withdrawals at 11:00
            days = sorted([(row["date"], 10, i, row) for i, row in enumerate(treasury)]
                          + [(row["date"], 11, i, row) for i, row in enumerate(corrections)
                             if not row["after"]])
            with UnitOfWork(engine) as uow:
                for date, hour, _i, row in days:
                    day = dt.date.fromisoformat(date)
                    if period_of(day) == period:
                        calendar.at(day, hour)
                        if hour == 10:
                            yield "  " + _treasury(uow, actor, row)
                        else:
                            yield from _correct(uow, actor, row)
                uow.commit()
            end = last_day(period)
            calendar.at(end, 15)  # the month's files come in on its last day
            for path, filer in _month_files(data, period):
                with UnitOfWork(engine) as uow:
                    result = importing.submit(uow, actor, path, institution=filer)
                    uow.commit()
                submitted = (_("submitted {file}: {n} row") if result.rows == 1 else
                             _("submitted {file}: {n} rows"))
                yield "  " + submitted.format(file=path.name, n=result.rows)
                for claim_id, amount in result.claims:
                    yield "    " + _("claim C{claim} opened: {amount}").format(
                        claim=claim_id, amount=format_grouped(amount))
                with UnitOfWork(engine) as uow:
                    lines = [line for row in corrections if row["after"] == path.name
                             for line in _correct(uow, actor, row)]
                    uow.commit()
                yield from lines
            calendar.at(end, 17)
            with UnitOfWork(engine) as uow:
                lines = list(_month_end(uow, actor, end))
                uow.commit()
            yield from lines
            calendar.at(end + dt.timedelta(days=1), 9)
            with UnitOfWork(engine) as uow:
                closed = closing.close_month(uow, actor, period)
                uow.commit()
            suspended = [i.code for i in closed.institutions if i.suspended_next_month]
            yield "  " + (_("closed {period}; suspended from next month: {codes}").format(
                period=period, codes=", ".join(suspended)) if suspended else
                _("closed {period}").format(period=period))
            folder = out / "statements" / period
            with UnitOfWork(engine) as uow:
                pack = packs.pack_files(uow, actor, period, fmt="pdf")
                write_folder(folder, pack.files, "the statements", ledger=db)
            yield "  " + _("statements: {n} PDFs in {folder}").format(n=len(pack.files) - 1,
                                                                        folder=folder)
        with UnitOfWork(engine) as uow:
            st = reserve.status(uow, dt.date(YEAR, 12, 31))
            report = verify_service.verify(uow)
        yield _("reserve at year end: {balance} (target {target}, top-up needed "
                "{top_up})").format(balance=format_grouped(st.balance),
                                    target=format_grouped(st.target),
                                    top_up=format_grouped(st.top_up_needed))
        verified = (_("verify: OK ({entries} entries, chain head {head}…)") if report.ok else
                    _("verify: FAILED: {problems} ({entries} entries, chain head {head}…)"))
        yield verified.format(problems="; ".join(report.problems), entries=report.entries,
                              head=report.head_hash[:16])
    finally:
        engine.dispose()
