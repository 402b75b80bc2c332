"""Statements read straight off the journal: the reserve statement and the trial balance.

The reserve statement classifies every movement of reserve cash by the
account on the other side of its entry (a deposit's contribution account, a
payment's payable, interest income, …), so a new kind of entry lands in the
right line without a list of entry kinds. A transfer between deposit banks is
cash on both sides: it has lines of its own (调入 / 调出), per bank and for the
fund, which net to zero over all banks and are in neither the income nor the
expense total. The per-bank table shows every kind, so each bank's row adds
up from its opening to its closing balance.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from zhengkedai.db.ledger_repo import LedgerRepo, anchor_before, closed_month
from zhengkedai.db.models import InstitutionRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.accounts import FUND_ZH, Fund, display_name
from zhengkedai.domain.ledger import Entry, Line
from zhengkedai.domain.money import Fen
from zhengkedai.domain.policy_reserve import reserve_target, top_up_needed
from zhengkedai.domain.statement import CellValue, Row, StatementDoc
from zhengkedai.render.layouts import doc_from_layout, load_layout, section_from_layout
from zhengkedai.services import people
from zhengkedai.services.audit.chain import check_chain_since
from zhengkedai.services.funds import reserve
from zhengkedai.services.params import active_policy
from zhengkedai.services.statements.common import Month, MonthEnd, ratio_percent

RESERVE_CASH = "reserve:cash:"

# a reserve cash movement's kind (reserve.movement_kind) -> the statement line it belongs to
_SUMMARY_LINE = {
    "interest": "inflow_interest",
    "recovery": "inflow_recovery",
    "compensation": "outflow_compensation",
    "management_fee": "outflow_management_fee",
    "transfer_in": "transfer_in",
    "transfer_out": "transfer_out",
}
INFLOW_KEYS = ("inflow_city", "inflow_district", "inflow_recovery", "inflow_interest")
OUTFLOW_KEYS = ("outflow_compensation", "outflow_management_fee")
# moves between deposit banks: a line of their own, in no income or expense total
TRANSFER_KEYS = ("transfer_in", "transfer_out")
LINE_ZH = {
    "inflow_city": "市级财政注资", "inflow_district": "区县财政注资",
    "inflow_recovery": "追偿回收返还", "inflow_interest": "利息收入",
    "outflow_compensation": "损失补偿", "outflow_management_fee": "管理费",
    "transfer_in": "银行间调入", "transfer_out": "银行间调出", "other": "其他",
}


BY_BANK_RULE = ("每家存放银行：期初余额 + 市级注资 + 区县注资 + 追偿返还 + 利息收入 + 银行间调入 − "
                "损失补偿 − 管理费 − 银行间调出 = 期末余额。")


def _summary_line(entry: Entry, cash_line: Line) -> str:
    kind = reserve.movement_kind(entry, cash_line)
    if kind == "deposit":
        district = any(ln.account.startswith("reserve:contribution:district")
                       for ln in entry.lines)
        return "inflow_district" if district else "inflow_city"
    return _SUMMARY_LINE.get(kind, "other")


def _as_shown(line: str, signed: Fen) -> Fen:
    """A line's signed sum as the statement shows it: outflows as positive amounts."""
    return -signed if line in (*OUTFLOW_KEYS, "transfer_out") else signed


def _month_entries(uow: UnitOfWork, month: Month) -> list[Entry]:
    return list(LedgerRepo(uow).entries(since=month.start, until=month.end))


def reserve_statement(uow: UnitOfWork, month: Month, end: MonthEnd) -> StatementDoc:
    """The reserve statement; ``end``, the loans at the month's end (for the target)."""
    ledger = LedgerRepo(uow)
    layout = load_layout("reserve")
    names = {r.code: r.name for r in uow.s.execute(select(InstitutionRow)).scalars()}
    opening_by_bank = reserve.balances_by_bank(uow, _day_before(month))
    closing_by_bank = reserve.balances_by_bank(uow, month.end)
    flows: dict[str, Fen] = defaultdict(int)
    per_bank: dict[str, dict[str, Fen]] = defaultdict(lambda: defaultdict(int))
    movements: list[dict[str, CellValue]] = []
    running = dict(opening_by_bank)
    for entry in _month_entries(uow, month):
        for ln in entry.lines:
            if not ln.account.startswith(RESERVE_CASH):
                continue
            line = _summary_line(entry, ln)
            flows[line] += ln.amount
            bank = ln.account[len(RESERVE_CASH):]
            per_bank[bank][line] += ln.amount
            running[bank] = running.get(bank, 0) + ln.amount
            movements.append({
                "entry_date": entry.entry_date, "entry_no": f"#{entry.seq}", "bank_code": bank,
                "kind": LINE_ZH[line], "description": entry.memo,
                "inflow": ln.amount if ln.amount > 0 else None,
                "outflow": -ln.amount if ln.amount < 0 else None,
                "balance": running[bank],
            })
    opening = sum(opening_by_bank.values())
    closing = sum(closing_by_bank.values())
    inflows = {k: _as_shown(k, flows.get(k, 0)) for k in INFLOW_KEYS}
    outflows = {k: _as_shown(k, flows.get(k, 0)) for k in OUTFLOW_KEYS}
    transfers = {k: _as_shown(k, flows.get(k, 0)) for k in TRANSFER_KEYS}
    committed = -sum(ledger.balances(prefix="reserve:compensation_payable:",
                                     as_of=month.end).values())
    outstanding = end.outstanding
    ratio = active_policy(uow).version_on(month.end).reserve.target_ratio
    target = reserve_target(outstanding, ratio)
    summary = {
        "opening_balance": opening, **inflows, "inflow_total": sum(inflows.values()),
        **outflows, "outflow_total": sum(outflows.values()), **transfers,
        "closing_balance": closing, "committed": committed, "available": closing - committed,
    }
    kinds = (*INFLOW_KEYS, "transfer_in", *OUTFLOW_KEYS, "transfer_out")
    banks = sorted(set(opening_by_bank) | set(closing_by_bank) | set(per_bank))
    bank_rows: list[dict[str, CellValue]] = [{
        "bank_code": b, "bank_name": names.get(b, b), "opening_balance": opening_by_bank.get(b, 0),
        **{k: _as_shown(k, per_bank[b].get(k, 0)) for k in kinds},
        "closing_balance": closing_by_bank.get(b, 0)} for b in banks]
    totals: dict[str, CellValue] = {
        "bank_code": "合计", "opening_balance": opening,
        **{k: _as_shown(k, flows.get(k, 0)) for k in kinds}, "closing_balance": closing}
    notes = []
    if any(flows.get(k) for k in TRANSFER_KEYS):
        notes.append("银行间调入、调出只在准备金的存放银行之间移动资金：各银行调入合计等于调出合计，"
                     "净额为零，不计入本期收入、支出合计；期末余额 = 期初余额 + 本期收入合计 − "
                     "本期支出合计 + 调入 − 调出。")
    if flows.get("other"):
        notes.append("其他收支已计入期末余额，未列入上列分类。")
    sections = [
        section_from_layout(layout.section("summary"), values=summary),
        section_from_layout(layout.section("target"), values={
            "outstanding_principal": outstanding, "target_ratio": ratio_percent(ratio),
            "target_size": target, "top_up_needed": top_up_needed(target, closing - committed)}),
        section_from_layout(layout.section("by_bank"), rows=bank_rows, totals=totals,
                            paragraphs=[BY_BANK_RULE]),
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
    # accounts as a person reads them (风险补偿准备金-银行存款-郑州银行), banks by name
    banks = {r.code: r.name for r in uow.s.execute(select(InstitutionRow)).scalars()}
    names = {code: display_name(code, banks) for code in ledger.account_names()}
    opening = ledger.balances(as_of=_day_before(month))
    entries = _month_entries(uow, month)
    who = people.display_names(uow, {e.operator for e in entries})
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
                "operator": who[entry.operator] if n == 0 else "",
                "entry_hash": entry.hash[:16] if n == 0 else "",
            })
    rows: list[dict[str, CellValue] | Row] = []
    totals: dict[str, int] = defaultdict(int)
    fund_totals: dict[str, int] = defaultdict(int)
    codes = sorted(set(opening) | set(debit) | set(credit))
    for n, code in enumerate(codes):
        o = opening.get(code, 0)
        c = o + debit.get(code, 0) - credit.get(code, 0)
        od, oc = _split(o)
        cd, cc = _split(c)
        row: dict[str, CellValue] = {
               "account_code": code,
               "account_name": _short_name(names.get(code) or display_name(code, banks)),
               "opening_debit": od, "opening_credit": oc,
               "debit": debit.get(code) or None, "credit": credit.get(code) or None,
               "closing_debit": cd, "closing_credit": cc}
        for key in _TB_AMOUNTS:
            value = row[key]
            totals[key] += value if isinstance(value, int) else 0
            fund_totals[key] += value if isinstance(value, int) else 0
        rows.append(row)
        fund = _fund(code)
        if n + 1 == len(codes) or _fund(codes[n + 1]) != fund:
            # each fund is its own set of books: its debits and credits balance apart
            rows.append(Row({"account_code": "小计", "account_name": fund, **fund_totals},
                            total=True))
            fund_totals = defaultdict(int)
    head, count, verdict, head_seq = _chain_at(uow, month, entries)
    total_row: dict[str, CellValue] = {"account_code": "合计", **totals}
    sections = [
        section_from_layout(layout.section("balances"), rows=rows,
                            totals=total_row),
        section_from_layout(layout.section("journal"), rows=journal),
        section_from_layout(layout.section("chain"), values={
            "entries_total": count, "head_entry": head_seq, "chain_head": head,
            "anchor": f"{head_seq}:{head}", "verification": verdict}),
    ]
    return doc_from_layout(layout, period=month.period, generated_at=month.generated_at,
                           sections=sections, draft=month.draft)


_TB_AMOUNTS = ("opening_debit", "opening_credit", "debit", "credit", "closing_debit",
               "closing_credit")


def _fund(code: str) -> str:
    """The Chinese name of the fund an account code belongs to."""
    prefix = code.split(":", 1)[0]
    return FUND_ZH[Fund(prefix)] if prefix in set(Fund) else prefix


def _short_name(name: str) -> str:
    """Without the fund, which the balances' subtotal rows name."""
    return name.split("-", 1)[1] if "-" in name else name


def _chain_at(uow: UnitOfWork, month: Month, entries: list[Entry]
              ) -> tuple[str, int, str, int]:
    """The chain head, entry count, verification result of the ledger up to the
    month's close (or now, for a draft), and the number of the head's entry.

    The verification is of the part of the chain the month added, from the head of the
    close before it (:func:`.chain.check_chain_since`): each month's trial balance
    vouches for its own entries, and ``zkd verify`` recomputes the whole chain.
    """
    closed = closed_month(uow, month.period)
    report = check_chain_since(uow, after=anchor_before(uow, month.period), since=month.start,
                               upto_seq=closed.last_seq if closed else None)
    verdict = "通过：哈希链完整，凭证借贷平衡，资金余额无负数，补偿与补助未超上限" if report.ok else \
        "未通过：" + "；".join(report.problems[:3])
    return report.head_hash, report.entries, verdict, report.head_seq
