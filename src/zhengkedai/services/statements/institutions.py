"""合作机构对账单: one statement per partner institution for the month.

Loans filed (disbursed in the month), outstanding and overdue principal at the
month's end, the overdue ratio against the suspension threshold, the claims
submitted / approved / paid, recoveries owed and returned, how much of each
cap its claims have used (per loan, and per institution and year where a
policy has that cap), and each claimed firm's losses against the threshold of
the full-compensation rule — a condition of the 100% ratio, not a cap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import defer

from zhengkedai.db.ledger_repo import closed_month
from zhengkedai.db.live import LIVE_EVENT
from zhengkedai.db.models import (
    ClaimRow,
    EntryRow,
    InstitutionMonthRow,
    InstitutionRow,
    LineRow,
    LoanEventRow,
    LoanRow,
    MonthRow,
    RecoveryShareRow,
)
from zhengkedai.db.plans import not_indexed
from zhengkedai.db.spelling import iso_date, plain_amount
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.compensation import (
    LossThreshold,
    counts_toward_caps,
    institution_year_limit,
    loss_threshold,
    per_loan_cap,
)
from zhengkedai.domain.errors import NotFound
from zhengkedai.domain.loans import LOAN_TYPE_ZH, LoanType
from zhengkedai.domain.money import Fen, apply_ratio, format_grouped
from zhengkedai.domain.policy import PolicyVersion
from zhengkedai.domain.policy_params import format_ratio
from zhengkedai.domain.policy_rules import CapPerInstitutionYearStep
from zhengkedai.domain.statement import CellValue, Section, StatementDoc
from zhengkedai.domain.workflow import Status
from zhengkedai.render.csvfile import csv_bytes
from zhengkedai.render.layouts import doc_from_layout, load_layout, section_from_layout
from zhengkedai.services import institutions, portfolio
from zhengkedai.services.claims import entries as claims_entries
from zhengkedai.services.claims.computation import (
    WITHDRAWN,
    ClaimPolicies,
    enterprise_losses,
    prior_year_balance,
    to_loan,
    yearly_cap_claims,
)
from zhengkedai.services.params import active_policy
from zhengkedai.services.statements.common import (
    STATUS_ZH,
    Month,
    MonthEnd,
    percent,
    ratio_percent,
    status_as_of,
    sum_fen,
)


def institution_statements(uow: UnitOfWork, month: Month, end: MonthEnd, *,
                           only: str | None = None) -> Iterator[StatementDoc]:
    """One statement per filing institution (or only ``only``'s), from the month's ``end``,
    each computed when the one before has been taken."""
    for inst in _stated(uow, only):
        yield _statement(uow, month, inst, end)


def stated_codes(uow: UnitOfWork, only: str | None = None) -> list[str]:
    """The institutions that get a statement (and its loan list): every filing institution,
    or only ``only``."""
    return [inst.code for inst in _stated(uow, only)]


def _stated(uow: UnitOfWork, only: str | None) -> Sequence[InstitutionRow]:
    stmt = select(InstitutionRow).where(InstitutionRow.kind.in_(institutions.FILING_KINDS))
    if only is not None:
        if uow.s.get(InstitutionRow, only) is None:
            raise NotFound(f"no institution {only!r}")
        stmt = select(InstitutionRow).where(InstitutionRow.code == only)
    return uow.s.execute(stmt.order_by(InstitutionRow.code)).scalars().all()


def _statement(uow: UnitOfWork, month: Month, inst: InstitutionRow, end: MonthEnd
               ) -> StatementDoc:
    layout = load_layout("institution")
    version = active_policy(uow).version_on(month.end)
    threshold = version.suspension.overdue_ratio_max
    mine = end.by_institution.get(inst.code, portfolio.Totals())
    outstanding, overdue = mine.outstanding, mine.overdue
    new = [line for line in end.new if line.institution_code == inst.code]
    profile: dict[str, CellValue] = {
        "institution_code": inst.code, "institution_name": inst.name,
        "institution_kind": institutions.KIND_ZH[institutions.InstitutionKind(inst.kind)],
        "loans_filed_count": len(new), "loans_filed_amount": sum(r.principal_fen for r in new),
        "outstanding_principal": outstanding, "overdue_principal": overdue,
        "overdue_ratio": percent(overdue, outstanding),
        "suspension_threshold": ratio_percent(threshold),
        "suspension_status": _status_text(uow, month, inst.code),
    }
    # (a claim's calculation trace is the claims register's, not read here)
    claims = uow.s.execute(
        select(ClaimRow).options(defer(ClaimRow.trace, raiseload=True))
        .where(ClaimRow.institution_code == inst.code,
                               ClaimRow.status != WITHDRAWN).order_by(ClaimRow.id)
    ).scalars().all()
    loan_totals: dict[str, CellValue] = {
        "loan_no": "合计", "principal": mine.principal,
        "outstanding": outstanding, "overdue": overdue}
    new_totals: dict[str, CellValue] = {
        "loan_no": "合计", "principal": sum(r.principal_fen for r in new),
        "outstanding": sum(r.outstanding for r in new),
        "overdue": sum(r.overdue for r in new)}
    guarantor = inst.kind == institutions.InstitutionKind.GUARANTOR.value
    attachment = loans_attachment_name(month.period, inst.code)
    claimed = _claimed_loan_rows(uow, inst.code)
    yearly_rows, cap_notes = _yearly_caps(uow, month, inst.code, claims)
    cap_rows = yearly_rows + _caps(uow, month, claims, claimed)
    firm_rows, firm_notes = _full_compensation(uow, month, claims, claimed)
    detail = _claim_detail(month, claims, claimed)
    shares = _recovery_shares(uow, month, inst.code, claims)
    recovered = _recovery_detail(month, shares)
    sections = [
        section_from_layout(layout.section("profile"), values=profile),
        section_from_layout(layout.section("claims"), rows=_claim_rows(month, claims)),
        section_from_layout(layout.section("claims_detail"), rows=detail, totals=None if not detail else _row(
            claim_id="合计", loss=_sum(detail, "loss"),
            compensation=_sum(detail, "compensation"))),
        section_from_layout(layout.section("recoveries"), values=_recoveries(shares)),
        section_from_layout(layout.section("recoveries_detail"), rows=recovered,
                            totals=None if not recovered else _row(
            claim_id="合计", recovery=_sum(recovered, "recovery"),
            owed=_sum(recovered, "owed"), returned=_sum(recovered, "returned"))),
        section_from_layout(layout.section("caps"), rows=cap_rows, paragraphs=cap_notes),
        section_from_layout(layout.section("full_compensation"), rows=firm_rows,
                            paragraphs=firm_notes),
        section_from_layout(layout.section("loans"), rows=_loan_rows(new),
                            totals=new_totals if new else None,
                            paragraphs=[_attachment_note(attachment, mine.loans, loan_totals)]),
    ]
    if guarantor:
        sections.append(_guaranteed(layout, inst.code, end, attachment))
    corrections = _corrections(uow, month, inst.code)
    if corrections:
        sections.append(section_from_layout(layout.section("corrections"), rows=corrections,
                                            paragraphs=[CORRECTIONS_NOTE]))
    sections.append(section_from_layout(layout.section("confirmation"), values=CONFIRMATION,
                                        paragraphs=[CONFIRMATION_NOTE]))
    doc = doc_from_layout(layout, period=month.period, generated_at=month.generated_at,
                          sections=numbered(sections), draft=month.draft,
                          subtitle=f"{inst.name}（{inst.code}）", subject=inst.code)
    return dataclasses.replace(doc, attachments=(attachment,))


def loans_attachment_name(period: str, code: str) -> str:
    """``2025-06_ZZB_loans.csv``: the institution's full loan list that goes with its 对账单."""
    return f"{period}_{code}_loans.csv"


def _loan_rows(lines: Sequence[portfolio.LoanLine]) -> list[dict[str, CellValue]]:
    return [{
        "loan_no": row.loan_no, "enterprise_name": row.enterprise_name,
        "loan_type": LOAN_TYPE_ZH[LoanType(row.loan_type)], "principal": row.principal_fen,
        "outstanding": row.outstanding, "overdue": row.overdue,
        "disbursed_on": row.disbursed_on, "maturity_on": row.maturity_on,
    } for row in lines]


def _attachment_note(name: str, count: int, totals: dict[str, CellValue]) -> str:
    return (f"全部贷款的月末明细见附件 {name}：共 {count} 笔，贷款金额合计 "
            f"{format_grouped(_fen(totals['principal']))}，在贷本金合计 "
            f"{format_grouped(_fen(totals['outstanding']))}，逾期本金合计 "
            f"{format_grouped(_fen(totals['overdue']))}。")


def _fen(value: CellValue) -> Fen:
    assert isinstance(value, int)
    return value


# the attachment's columns: (key, Chinese header) — the 对账单's loan columns, and for a
# guarantor's the lender and the guarantee fee
ATTACHMENT_COLUMNS = (
    ("loan_no", "贷款编号"), ("lender", "放款机构"), ("enterprise_name", "企业名称"),
    ("credit_code", "统一社会信用代码"), ("loan_type", "贷款类型"), ("principal", "贷款金额"),
    ("outstanding", "在贷本金"), ("overdue", "逾期本金"), ("guarantor", "担保机构"),
    ("guarantee_fee", "担保费"), ("disbursed_on", "放款日期"), ("maturity_on", "到期日期"),
)


def loans_attachment(uow: UnitOfWork, month: Month, code: str) -> Iterator[bytes]:
    """Every loan of the institution (a guarantor's: every loan it guarantees) disbursed by
    the month's end, with its month-end state, as CSV (UTF-8 with BOM; amounts ``1234.50``),
    in chunks of bytes as they are written.

    The loans are streamed from the database a chunk at a time and each chunk encoded
    as it comes: neither a Python object per loan nor the file is held whole."""
    inst = uow.s.get(InstitutionRow, code)
    guarantor = inst is not None and inst.kind == institutions.InstitutionKind.GUARANTOR.value
    mine = (LoanRow.guarantor_code if guarantor else LoanRow.institution_code) == code
    yield csv_bytes([[label for _, label in ATTACHMENT_COLUMNS]])
    for part in portfolio.loan_line_chunks(uow, month.end, mine, columns=_spelt):
        yield csv_bytes(part, bom=False, text_columns=_ATTACHMENT_TEXT)


def _spelt(fields: Sequence[Any]) -> list[Any]:
    """The attachment's cells from portfolio.LoanLine's fields (0 id, 1 loan_no,
    2 institution, 3 firm, 4 credit code, 5 type, 6 principal, 7 outstanding, 8 overdue,
    9 guarantor, 10 fee, 11-12 dates), spelt by the database: a million rows are written
    as they come."""
    loan_type = case(*((fields[5] == t.value, LOAN_TYPE_ZH[t]) for t in LoanType),
                     else_=fields[5])
    return [fields[1], fields[2], fields[3], fields[4], loan_type, plain_amount(fields[6]),
            plain_amount(fields[7]), plain_amount(fields[8]), func.coalesce(fields[9], ""),
            plain_amount(fields[10]), iso_date(fields[11]), iso_date(fields[12])]


# the attachment's columns that hold what banks filed (loan numbers, names, codes); the
# rest are zkd's own amounts, dates and labels
_ATTACHMENT_TEXT = (0, 1, 2, 3, 8)


# the blanks the institution fills in when it confirms (or disputes) the statement
_LINE = "＿" * 16
CONFIRMATION: dict[str, CellValue] = {
    "opinion": "□ 核对无误　　□ 有异议（请列明事项及金额）",
    "objection": _LINE, "seal": _LINE, "signer": _LINE, "date": "　　　　年　　月　　日",
}
CONFIRMATION_NOTE = "请贵机构核对本对账单所列各项数字，核对无误或有异议均请盖章后返回；有异议的，请列明事项及金额。"

_NUMERALS = "一二三四五六七八九十"


def numbered(sections: list[Section]) -> list[Section]:
    """Headings renumbered 一、二、… in order, since some sections appear only on some
    statements (a guarantor's loans, corrections)."""
    out = []
    for n, section in enumerate(sections):
        _, sep, rest = section.heading.partition("、")
        text = rest if sep else section.heading
        label = _NUMERALS[n] if n < 10 else "十" + _NUMERALS[n - 10]
        out.append(dataclasses.replace(section, heading=f"{label}、{text}"))
    return out


def _claimed_loan_rows(uow: UnitOfWork, code: str) -> dict[int, LoanRow]:
    """The loans of the institution's claims, in one query (claims are few beside loans)."""
    of_claims = select(ClaimRow.loan_id).where(ClaimRow.institution_code == code,
                                               ClaimRow.status != WITHDRAWN)
    return {row.id: row for row in uow.s.execute(
        select(LoanRow).where(LoanRow.id.in_(of_claims))).scalars()}


def _claim_detail(month: Month, claims: Sequence[ClaimRow], claimed: dict[int, LoanRow]
                  ) -> list[dict[str, CellValue]]:
    """A line per claim with something done in the month: what, its month-end status,
    and a rejected claim's reason."""
    rows: list[dict[str, CellValue]] = []
    for c in claims:
        status = status_as_of(month, submitted_on=c.submitted_on, approved_on=c.approved_on,
                              paid_on=c.paid_on, rejected_on=getattr(c, "rejected_on", None),
                              status=c.status)
        if status is None:
            continue
        done = [f"{word} {day.isoformat()}" for word, day in (
            ("提交", c.submitted_on), ("批准", c.approved_on), ("支付", c.paid_on))
            if day is not None and month.within(day)]
        rejected = status == Status.REJECTED and month.within(
            getattr(c, "rejected_on", None) or c.submitted_on)
        if rejected:
            done.append("驳回")
        if not done:
            continue
        loan = claimed[c.loan_id]
        rows.append({
            "claim_id": f"C{c.id}", "loan_no": loan.loan_no,
            "enterprise_name": loan.enterprise_name, "movement": "；".join(done),
            "loss": c.loss_fen, "compensation": c.amount_fen, "status": STATUS_ZH[status],
            "reason": (c.rejected_reason or "") if status == Status.REJECTED else None,
        })
    return rows


@dataclasses.dataclass(frozen=True)
class _Shares:
    """The recovery shares on the institution's claims whose recovery came by the month's
    end (their event's date, amount and loan), and what of each was paid back before the
    month and by its end (by the share's recovery event)."""

    rows: list[tuple[RecoveryShareRow, dt.date, int, str]]
    returned_before: dict[int, Fen]
    returned_by_end: dict[int, Fen]


def _recovery_shares(uow: UnitOfWork, month: Month, code: str, claims: Sequence[ClaimRow]
                     ) -> _Shares:
    ids = [c.id for c in claims]
    if not ids:
        return _Shares([], {}, {})
    rows = [(share, occurred, int(amount), loan_no) for share, occurred, amount, loan_no in
            uow.s.execute(
                select(RecoveryShareRow, LoanEventRow.occurred_on, LoanEventRow.amount_fen,
                       LoanRow.loan_no)
                .join(LoanEventRow, LoanEventRow.id == RecoveryShareRow.event_id)
                .join(LoanRow, LoanRow.id == LoanEventRow.loan_id)
                .where(RecoveryShareRow.claim_id.in_(ids), LIVE_EVENT,
                       LoanEventRow.occurred_on <= month.end)
                .order_by(LoanEventRow.occurred_on, RecoveryShareRow.id)).all()]
    before, by_end = _returned_by_share(uow, code, month.start, month.end)
    return _Shares(rows, before, by_end)


def _recovery_detail(month: Month, shares: _Shares) -> list[dict[str, CellValue]]:
    """The recoveries after payment recorded in the month or (partly) returned in it."""
    rows: list[dict[str, CellValue]] = []
    for share, occurred, amount, loan_no in shares.rows:
        returned = shares.returned_by_end.get(share.event_id, 0)
        if not (month.within(occurred)
                or returned != shares.returned_before.get(share.event_id, 0)):
            continue
        rows.append({
            "claim_id": f"C{share.claim_id}", "loan_no": loan_no, "recovered_on": occurred,
            "recovery": amount, "owed": share.share_fen, "returned": returned,
            # the day it was returned in full (a part returned leaves it empty)
            "returned_on": share.returned_on if month.by_end(share.returned_on) else None,
        })
    return rows


def _guaranteed(layout: Any, code: str, end: MonthEnd, attachment: str) -> Section:
    """The loans a guarantor began to guarantee in the month, whoever filed them; the
    paragraph gives the count and totals of all it guarantees (listed in the attachment)."""
    every = end.by_guarantor.get(code, portfolio.Totals())
    mine = [line for line in end.new if line.guarantor_code == code]
    note = (f"本机构担保的全部贷款见附件 {attachment}：共 {every.loans} 笔，贷款金额合计 "
            f"{format_grouped(every.principal)}，在贷本金合计 "
            f"{format_grouped(every.outstanding)}，担保费合计 "
            f"{format_grouped(every.guarantee_fee)}。")
    totals: dict[str, CellValue] = {
        "loan_no": "合计", "principal": sum(r.principal_fen for r in mine),
        "outstanding": sum(r.outstanding for r in mine),
        "overdue": sum(r.overdue for r in mine),
        "guarantee_fee": sum(r.guarantee_fee_fen for r in mine)}
    return section_from_layout(layout.section("guaranteed"), rows=[{
        "loan_no": row.loan_no, "lender": row.institution_code,
        "enterprise_name": row.enterprise_name, "principal": row.principal_fen,
        "outstanding": row.outstanding, "overdue": row.overdue,
        "guarantee_fee": row.guarantee_fee_fen, "disbursed_on": row.disbursed_on,
        "maturity_on": row.maturity_on,
    } for row in mine], totals=totals, paragraphs=[note])


def _row(**values: CellValue) -> dict[str, CellValue]:
    return values


def _sum(rows: list[dict[str, CellValue]], key: str) -> Fen:
    """The total of an amount column (blank cells count as nothing)."""
    return sum_fen([v for r in rows if isinstance(v := r.get(key), int)])


CORRECTIONS_NOTE = ("撤回的贷款及贷后事件保留记录，但不计入本表及以后各表的任何数字；已结账月份的报表不变，"
                    "更正在撤回后的第一份报表中列示。")
EVENT_ZH = {"repayment": "还款", "overdue": "逾期", "loss": "损失确认", "recovery": "追偿回收"}


def _corrections(uow: UnitOfWork, month: Month, code: str) -> list[dict[str, CellValue]]:
    """The institution's loans and events withdrawn since the close before ``month`` (up to
    its close, for a closed month): each listed once, in the first statement after it."""
    since = uow.s.execute(select(MonthRow.closed_at).where(MonthRow.period < month.period)
                          .order_by(MonthRow.period.desc()).limit(1)).scalar()
    until = uow.s.execute(select(MonthRow.closed_at).where(MonthRow.period == month.period)
                          ).scalar()

    def when(column: Any) -> list[Any]:
        cond = [column.is_not(None)]
        if since is not None:
            cond.append(column > since)
        if until is not None:
            cond.append(column <= until)
        return cond

    rows: list[tuple[Any, dict[str, CellValue]]] = []
    # found by the (few) withdrawn rows' index, not among the institution's every loan
    for loan in uow.s.execute(select(LoanRow).where(
            not_indexed(LoanRow.institution_code) == code, *when(LoanRow.withdrawn_at))
            ).scalars():
        rows.append((loan.withdrawn_at, {
            "withdrawn_on": loan.withdrawn_on, "item": "贷款（含其贷后事件）",
            "loan_no": loan.loan_no, "dated": loan.disbursed_on, "amount": loan.principal_fen,
            "withdrawn_by": loan.withdrawn_by, "reason": loan.withdrawn_reason}))
    for ev, loan in uow.s.execute(
            select(LoanEventRow, LoanRow).join(LoanRow, LoanRow.id == LoanEventRow.loan_id)
            .where(not_indexed(LoanRow.institution_code) == code,
                   *when(LoanEventRow.withdrawn_at),
                   # events withdrawn with their loan are listed by the loan's line
                   or_(LoanRow.withdrawn_at.is_(None),
                       LoanRow.withdrawn_at != LoanEventRow.withdrawn_at))).all():
        claim = uow.s.execute(select(ClaimRow.id).where(ClaimRow.loss_event_id == ev.id,
                                                        ClaimRow.status == WITHDRAWN)).scalar()
        rows.append((ev.withdrawn_at, {
            "withdrawn_on": ev.withdrawn_on,
            "item": f"{EVENT_ZH.get(ev.event, ev.event)}事件#{ev.id}"
                    + (f"（补偿申请C{claim}随之撤回）" if claim else ""),
            "loan_no": loan.loan_no, "dated": ev.occurred_on, "amount": ev.amount_fen,
            "withdrawn_by": ev.withdrawn_by, "reason": ev.withdrawn_reason}))
    return [doc for _, doc in sorted(rows, key=lambda r: (r[0], str(r[1]["item"])))]


def _status_text(uow: UnitOfWork, month: Month, code: str) -> str:
    since = institutions.suspended_since(uow, code, month.end)
    text = "正常合作" if since is None else f"暂停（自 {since.isoformat()} 起）"
    if closed_month(uow, month.period) is not None:
        row = uow.s.get(InstitutionMonthRow, (month.period, code))
        if row is not None:
            text += "；月结：下月起暂停" if row.suspended else "；月结：下月正常"
    return text


def _claim_rows(month: Month, claims: Sequence[ClaimRow]) -> list[dict[str, CellValue]]:
    groups: dict[str, list[int]] = {k: [0, 0, 0] for k in
                                    ("本月提交", "本月批准", "本月支付", "本月驳回", "累计已支付")}

    def add(label: str, c: ClaimRow) -> None:
        g = groups[label]
        g[0] += 1
        g[1] += c.loss_fen
        g[2] += c.amount_fen

    for c in claims:
        status = status_as_of(month, submitted_on=c.submitted_on, approved_on=c.approved_on,
                              paid_on=c.paid_on, rejected_on=getattr(c, "rejected_on", None),
                              status=c.status)
        if status is None:
            continue
        if month.within(c.submitted_on):
            add("本月提交", c)
        if month.within(c.approved_on):
            add("本月批准", c)
        if month.within(c.paid_on):
            add("本月支付", c)
        if status == Status.REJECTED and month.within(getattr(c, "rejected_on", None) or c.submitted_on):
            add("本月驳回", c)
        if status == Status.PAID:
            add("累计已支付", c)
    return [{"status": k, "count": v[0], "loss": v[1], "compensation": v[2]}
            for k, v in groups.items()]


def _recoveries(shares: _Shares) -> dict[str, CellValue]:
    owed = sum(share.share_fen for share, *_ in shares.rows)
    returned = sum(shares.returned_by_end.get(share.event_id, 0) for share, *_ in shares.rows)
    return {"recovery_owed": owed, "recovery_returned": returned,
            "recovery_outstanding": owed - returned}


def _returned_by_share(uow: UnitOfWork, code: str, start: dt.date, end: dt.date
                      ) -> tuple[dict[int, Fen], dict[int, Fen]]:
    """What the institution had paid back of each recovery share (by the share's recovery
    event) before ``start`` and by the end of ``end``: the sums of its return entries dated
    by then, as a share may be returned in parts (``zkd claims recovery-return --amount``)."""
    before: dict[int, Fen] = defaultdict(int)
    by_end: dict[int, Fen] = defaultdict(int)
    for key, day, amount in uow.s.execute(
            select(EntryRow.idempotency_key, EntryRow.entry_date, LineRow.amount_fen)
            .join(LineRow, LineRow.entry_seq == EntryRow.seq)
            .where(EntryRow.kind == claims_entries.RETURNED_KIND, EntryRow.entry_date <= end,
                   LineRow.account_code == claims_entries.receivable(code))).all():
        found = claims_entries.SHARE_KEY.fullmatch(key)
        if found is not None and found[2] == "returned":
            event = int(found[1])
            by_end[event] -= int(amount)  # credited to what the institution owes
            if day < start:
                before[event] -= int(amount)
    return before, by_end


def _claimed_loans(month: Month, claims: Sequence[ClaimRow], claimed: dict[int, LoanRow]
                   ) -> tuple[dict[int, Fen], dict[int, LoanRow]]:
    """Compensation per loan of the claims submitted by the month's end and not rejected."""
    per_loan: dict[int, Fen] = defaultdict(int)
    loans: dict[int, LoanRow] = {}
    for c in claims:
        if c.submitted_on > month.end or not counts_toward_caps(c.status):
            continue
        per_loan[c.loan_id] += c.amount_fen
        loans[c.loan_id] = claimed[c.loan_id]
    return per_loan, loans


def _caps(uow: UnitOfWork, month: Month, claims: Sequence[ClaimRow],
          claimed: dict[int, LoanRow]) -> list[dict[str, CellValue]]:
    """Cumulative use of each claimed loan's per-loan cap."""
    policy = active_policy(uow)
    per_loan, loans = _claimed_loans(month, claims, claimed)
    rows: list[dict[str, CellValue]] = []
    for loan_id, used in sorted(per_loan.items()):
        loan = loans[loan_id]
        cap = per_loan_cap(policy.version_on(loan.disbursed_on))
        if cap is not None:
            rows.append(_cap_row(f"单笔贷款补偿上限 {loan.loan_no}", cap, used))
    return rows


def _full_compensation(uow: UnitOfWork, month: Month, claims: Sequence[ClaimRow],
                       claimed: dict[int, LoanRow]
                       ) -> tuple[list[dict[str, CellValue]], list[str]]:
    """Each claimed firm's losses against a ratio tier that holds only up to a loss total.

    Under zhengzhou-2019 that is the 100% rule: a high-tech firm's credit or
    IP-pledge loan is compensated in full while the firm's confirmed losses,
    that one included, total no more than 3,000,000; a loss that takes the
    total past it, and every later one, falls through to the next tier (80%).
    The threshold is a condition of a ratio, not a cap on what is paid, so it
    is shown with the losses counted, what is left below it and the ratio that
    now applies, never as a share used. Losses are counted as the engine
    counts them: the firm's loss events across the programme, each net of the
    recoveries before payment on its claim.
    """
    policy = active_policy(uow)
    _, loans = _claimed_loans(month, claims, claimed)
    found: dict[str, tuple[LoanRow, LossThreshold]] = {}
    for loan in sorted(loans.values(), key=lambda r: r.id):
        rule = loss_threshold(policy.version_on(loan.disbursed_on), to_loan(loan))
        if rule is not None:
            found.setdefault(loan.credit_code, (loan, rule))
    rows: list[dict[str, CellValue]] = []
    notes: list[str] = []
    for code, (loan, rule) in sorted(found.items(), key=lambda kv: kv[1][0].id):
        threshold, tier = rule.amount, rule.tier
        losses = _enterprise_losses(uow, code, month)
        beyond = format_ratio(rule.ratio_beyond(to_loan(loan)))
        within = format_ratio(tier.ratio)
        word = "不超过" if rule.inclusive else "低于"
        below = rule.holds(losses)
        rows.append({
            "enterprise_name": loan.enterprise_name, "credit_code": code, "threshold": threshold,
            "losses": losses, "headroom": max(0, threshold - losses) if below else 0,
            "status": f"未超过门槛：按{within}" if below else f"已超过门槛：此后损失按{beyond}",
        })
        note = (f"全额补偿门槛是{within}补偿规则的适用条件，不是补偿上限：企业在本项目的本金损失"
                f"累计（含本笔，各合作机构合计）{word}门槛 {format_grouped(threshold)} 的，该笔按"
                f"{within}补偿；使累计超过门槛的一笔及其后的损失按{beyond}补偿。"
                f"规则：{tier.label}〔{tier.clause}〕")
        if note not in notes:
            notes.append(note)
    return rows, notes


def _enterprise_losses(uow: UnitOfWork, credit_code: str, month: Month) -> Fen:
    """The firm's confirmed losses by the month's end, across the programme, net of
    recoveries before payment: what :func:`.claims.compute` counts for the threshold."""
    return enterprise_losses(uow, credit_code,
                             LoanEventRow.occurred_on <= month.end)


def _yearly_caps(uow: UnitOfWork, month: Month, code: str, claims: Sequence[ClaimRow]
                 ) -> tuple[list[dict[str, CellValue]], list[str]]:
    """A row per yearly institution cap in force for the statement's year, and how its limit is set.

    The caps are those of the version in force at the month's end and of the
    versions the year's counted claims were computed under; the claims counted
    are those the computation counts (:func:`yearly_cap_claims`), by the month's end.
    """
    year = month.end.year
    found: dict[tuple[Fen | None, Decimal | None], tuple[CapPerInstitutionYearStep, str]] = {}

    def add(version: PolicyVersion) -> None:
        for rule in version.claim_rules:
            if isinstance(rule, CapPerInstitutionYearStep):
                found.setdefault((rule.amount, rule.ratio_of_prior_year_balance),
                                 (rule, f"{version.policy_name}/{version.version}"))

    add(active_policy(uow).version_on(month.end))
    used = 0
    counted = yearly_cap_claims(uow, code, year, LoanEventRow.occurred_on <= month.end,
                                ClaimPolicies(uow))
    for claim, version in counted:
        used += claim.amount_fen
        add(version)
    if not found:
        return [], []
    balance = prior_year_balance(uow, code, year)
    rows: list[dict[str, CellValue]] = []
    notes: list[str] = []
    for rule, where in found.values():
        limit = institution_year_limit(rule, balance)
        label = f"{year}年度机构补偿上限（{where}）"
        rows.append(_cap_row(label, limit, used))
        parts = [format_grouped(rule.amount)] if rule.amount is not None else []
        if rule.ratio_of_prior_year_balance is not None:
            by_balance = apply_ratio(balance, rule.ratio_of_prior_year_balance)
            parts.append(f"{format_ratio(rule.ratio_of_prior_year_balance)} × {year - 1}年末"
                         f"项目贷款余额 {format_grouped(balance)} = {format_grouped(by_balance)}")
        notes.append(f"{label} = min({'；'.join(parts)}) = {format_grouped(limit)}。已使用为本机构"
                     f"{year}年确认损失、未驳回、按含此上限的政策版本计算的补偿；"
                     "按新老划断适用旧规则的贷款不受此上限约束，也不占用。")
    return rows, notes


def _cap_row(label: str, limit: Fen, used: Fen) -> dict[str, CellValue]:
    return {"cap": label, "limit": limit, "used": used, "remaining": max(0, limit - used),
            "usage": percent(used, limit)}
