"""Statements read straight off the journal: the reserve statement and the trial balance.

The reserve statement classifies every movement of reserve cash by the
account on the other side of its entry (a deposit's contribution account, a
payment's payable, interest income, …), so a new kind of entry lands in the
right line without a list of entry kinds; a transfer between deposit banks is
cash on both sides and moves no total.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from ..db.ledger_repo import LedgerRepo
from ..db.models import InstitutionRow
from ..db.uow import UnitOfWork
from ..domain.ledger import Entry, Line
from ..domain.money import Fen
from ..domain.policy_reserve import reserve_target, top_up_needed
from ..domain.statement import CellValue, StatementDoc
from ..render.layouts import doc_from_layout, load_layout, section_from_layout
from . import portfolio, reserve
from . import verify as verify_service
from .params import active_policy
from .statement_common import Month, ratio_percent

RESERVE_CASH = "reserve:cash:"

# a reserve cash movement's kind (reserve.movement_kind) -> the statement line it belongs to;
# transfers between deposit banks belong to no line: they move no total
_SUMMARY_LINE = {
    "interest": "inflow_interest",
    "recovery": "inflow_recovery",
    "compensation": "outflow_compensation",
    "management_fee": "outflow_management_fee",
}


def _summary_line(entry: Entry, cash_line: Line) -> str | None:
    kind = reserve.movement_kind(entry, cash_line)
    if kind == "deposit":
        district = any(ln.account.startswith("reserve:contribution:district")
                       for ln in entry.lines)
        return "inflow_district" if district else "inflow_city"
    if kind in ("transfer_in", "transfer_out"):
        return None
    return _SUMMARY_LINE.get(kind, "other")


def _month_entries(uow: UnitOfWork, month: Month) -> list[Entry]:
    return list(LedgerRepo(uow).entries(since=month.start, until=month.end))


def reserve_statement(uow: UnitOfWork, month: Month, states: portfolio.LoanStates
                      ) -> StatementDoc:
    """The reserve statement; ``states`` are the loans at the month's end (for the target)."""
    ledger = LedgerRepo(uow)
    layout = load_layout("reserve")
    names = {r.code: r.name for r in uow.s.execute(select(InstitutionRow)).scalars()}
    opening_by_bank = reserve.balances_by_bank(uow, _day_before(month))
    closing_by_bank = reserve.balances_by_bank(uow, month.end)
    flows: dict[str, Fen] = defaultdict(int)
    bank_in: dict[str, Fen] = defaultdict(int)
    bank_out: dict[str, Fen] = defaultdict(int)
    movements: list[dict[str, CellValue]] = []
    running = dict(opening_by_bank)
    for entry in _month_entries(uow, month):
        for ln in entry.lines:
            if not ln.account.startswith(RESERVE_CASH):
                continue
            line = _summary_line(entry, ln)
            if line is not None:
                flows[line] += ln.amount
            bank = ln.account[len(RESERVE_CASH):]
            running[bank] = running.get(bank, 0) + ln.amount
            (bank_in if ln.amount > 0 else bank_out)[bank] += abs(ln.amount)
            movements.append({
                "entry_date": entry.entry_date, "entry_no": f"#{entry.seq}", "bank_code": bank,
                "description": entry.memo,
                "inflow": ln.amount if ln.amount > 0 else None,
                "outflow": -ln.amount if ln.amount < 0 else None,
                "balance": running[bank],
            })
    opening = sum(opening_by_bank.values())
    closing = sum(closing_by_bank.values())
    inflow_keys = ("inflow_city", "inflow_district", "inflow_recovery", "inflow_interest")
    outflow_keys = ("outflow_compensation", "outflow_management_fee")
    inflows = {k: flows.get(k, 0) for k in inflow_keys}
    outflows = {k: -flows.get(k, 0) for k in outflow_keys}
    committed = -sum(ledger.balances(prefix="reserve:compensation_payable:",
                                     as_of=month.end).values())
    outstanding = sum(state.outstanding for _, state in states.values())
    ratio = active_policy(uow).version_on(month.end).reserve.target_ratio
    target = reserve_target(outstanding, ratio)
    summary = {
        "opening_balance": opening, **inflows, "inflow_total": sum(inflows.values()),
        **outflows, "outflow_total": sum(outflows.values()), "closing_balance": closing,
        "committed": committed, "available": closing - committed,
    }
    banks = sorted(set(opening_by_bank) | set(closing_by_bank) | set(bank_in) | set(bank_out))
    bank_rows: list[dict[str, CellValue]] = [{
        "bank_code": b, "bank_name": names.get(b, b), "opening_balance": opening_by_bank.get(b, 0),
        "inflow": bank_in.get(b, 0), "outflow": bank_out.get(b, 0),
        "closing_balance": closing_by_bank.get(b, 0)} for b in banks]
    totals: dict[str, CellValue] = {"bank_code": "合计", "opening_balance": opening,
              "inflow": sum(bank_in.values()), "outflow": sum(bank_out.values()),
              "closing_balance": closing}
    notes = []
    if flows.get("other"):
        notes.append("其他收支已计入期末余额，未列入上列分类。")
    sections = [
        section_from_layout(layout.section("summary"), values=summary),
        section_from_layout(layout.section("target"), values={
            "outstanding_principal": outstanding, "target_ratio": ratio_percent(ratio),
            "target_size": target, "top_up_needed": top_up_needed(target, closing)}),
        section_from_layout(layout.section("by_bank"), rows=bank_rows, totals=totals),
        section_from_layout(layout.section("movements"), rows=movements),
    ]
    return doc_from_layout(layout, period=month.period, generated_at=month.generated_at,
                           sections=sections, draft=month.draft, footnotes=notes)


def _day_before(month: Month) -> dt.date:
    return month.start - dt.timedelta(days=1)


def _split(balance: Fen) -> tuple[Fen | None, Fen | None]:
    """A signed balance as (debit, credit) columns."""
    if balance > 0:
        return balance, None
    if balance < 0:
        return None, -balance
    return None, None


def trial_balance_statement(uow: UnitOfWork, month: Month) -> StatementDoc:
    ledger = LedgerRepo(uow)
    layout = load_layout("trial_balance")
    names = ledger.account_names()
    opening = ledger.balances(as_of=_day_before(month))
    entries = _month_entries(uow, month)
    debit: dict[str, Fen] = defaultdict(int)
    credit: dict[str, Fen] = defaultdict(int)
    journal: list[dict[str, CellValue]] = []
    for entry in entries:
        for n, ln in enumerate(entry.lines):
            (debit if ln.amount > 0 else credit)[ln.account] += abs(ln.amount)
            journal.append({
                "entry_no": f"#{entry.seq}" if n == 0 else "",
                "entry_date": entry.entry_date if n == 0 else None,
                "description": entry.memo if n == 0 else "",
                "account_code": ln.account, "account_name": names.get(ln.account, ""),
                "debit": ln.amount if ln.amount > 0 else None,
                "credit": -ln.amount if ln.amount < 0 else None,
                "operator": entry.operator if n == 0 else "",
                "entry_hash": entry.hash[:16] if n == 0 else "",
            })
    rows: list[dict[str, CellValue]] = []
    totals: dict[str, int] = defaultdict(int)
    for code in sorted(set(opening) | set(debit) | set(credit)):
        o = opening.get(code, 0)
        c = o + debit.get(code, 0) - credit.get(code, 0)
        od, oc = _split(o)
        cd, cc = _split(c)
        row: dict[str, CellValue] = {
               "account_code": code, "account_name": _short_name(names.get(code, code)),
               "opening_debit": od, "opening_credit": oc,
               "debit": debit.get(code) or None, "credit": credit.get(code) or None,
               "closing_debit": cd, "closing_credit": cc}
        for key in ("opening_debit", "opening_credit", "debit", "credit", "closing_debit",
                    "closing_credit"):
            value = row[key]
            totals[key] += value if isinstance(value, int) else 0
        rows.append(row)
    head, count, verdict = _chain_at(uow, month, entries)
    total_row: dict[str, CellValue] = {"account_code": "合计", **totals}
    sections = [
        section_from_layout(layout.section("balances"), rows=rows,
                            totals=total_row),
        section_from_layout(layout.section("journal"), rows=journal),
        section_from_layout(layout.section("chain"), values={
            "entries_total": count, "chain_head": head, "verification": verdict}),
    ]
    return doc_from_layout(layout, period=month.period, generated_at=month.generated_at,
                           sections=sections, draft=month.draft)


def _short_name(name: str) -> str:
    return name.split("/", 1)[1] if "/" in name else name


def _chain_at(uow: UnitOfWork, month: Month, entries: list[Entry]) -> tuple[str, int, str]:
    """The chain head and entry count at the month's close (or now, for a draft),
    and the verification result of the ledger up to there."""
    from .closing import closed_month

    closed = closed_month(uow, month.period)
    report = verify_service.verify(uow, upto_seq=closed.last_seq if closed else None)
    verdict = "通过：哈希链完整，凭证借贷平衡，资金余额无负数，补偿与补助未超上限" if report.ok else \
        "未通过：" + "；".join(report.problems[:3])
    return report.head_hash, report.entries, verdict

