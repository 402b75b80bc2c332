"""What `zkd verify` checks beyond the chain: that the records beside the journal agree with it.

The journal is hash-chained; the rows around it are not. A claim's status, a
subsidy's amount, a loan's running state or a closed month can be changed with
raw SQL without breaking a hash. So each check here holds those rows against
what the chain fixes — each entry's kind, date, lines, what it reverses, and
its source reference (``claim:12 event:40 file:3 row:17``) — and against each
other, and names every row that disagrees, one line each.

An approval is *live* while no entry reverses it. The rules, from the
workflows (:mod:`.claims_workflow`, :mod:`.claims_entries`):

- a claim is paid exactly when an entry pays it, and then that entry is its
  ``pay_entry``, dated its ``paid_on``; an approved or paid claim of more than
  0.00 has exactly one live approval, its ``approve_entry``; a submitted or
  rejected claim (or one lowered to 0.00) has none;
- every claim entry cites an event of the claim's loan with that event's file
  and row, and a payment cites the claim's own loss event; a recovery share is
  the one its ``recovery:E:owed`` and ``recovery:E:returned`` entries book;
- a subsidy (:mod:`.budget`) likewise: paid exactly when an entry pays it, a
  live approval exactly while approved or paid, a rejected one's approval
  reversed by its ``reject_entry``; each entry books the subsidy's amount on
  ``budget:subsidy_payable`` (an approval, against its kind's expense
  account) on the subsidy's dates, and cites its file and row. A subsidy no
  entry fixes yet (submitted) is at least within what its policy version
  grants on its basis: rate × basis, within the yearly cap;
- a loan's stored running state (``outstanding_fen``, ``overdue_fen``, kept so
  filing is one lookup) is what its events give, replayed from its principal
  in filing order (:func:`~zhengkedai.domain.loans.apply_event`); its events are
  dated in that order, none before the disbursement; every loss event has its
  claim and every claim its loss event;
- closed months run without a gap from the first to the last (closes go in
  order, so a gap is a deleted close); each month's ``chain_head`` is the hash
  of the entry at its ``last_seq``; no entry dated in a closed month was posted
  after its close; the statements a close kept, and the close adjustments
  the journal names (``claim:N:close:YYYY-MM:…``), have their month;
- every loan, event and subsidy cites an accepted file of its kind, filed by
  its institution (programme staff, ``""``, for subsidies), one row each; and
  since a file is accepted whole, none of a file's rows is missing.

A file's operator, name, SHA-256 and time are cited by nothing else, so no
check can see them changed; nor a row's fields that no entry or other row
repeats (a loan's enterprise, a claim's trace).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import distinct, func, literal, select

from ..db.models import (
    ClaimRow,
    EntryRow,
    ImportFileRow,
    LineRow,
    LoanEventRow,
    LoanRow,
    MonthRow,
    RecoveryShareRow,
    StatementArchiveRow,
    SubsidyRow,
)
from ..db.uow import UnitOfWork
from ..domain.ledger import GENESIS_HASH
from ..domain.loans import EventRefused, EventType, LoanState, apply_event
from ..domain.money import format_grouped
from ..domain.periods import first_day, last_day, next_period
from ..domain.policy import Policy, PolicyError, PolicyVersion
from ..domain.subsidy_rules import compute_subsidy
from . import budget, claims_entries, policies, verify
from .params import active_policy

CLAIM_REF = re.compile(r"claim:(\d+) event:(\d+) file:(\d+) row:(\d+)")
SUBSIDY_REF = re.compile(r"subsidy:(\d+) file:(\d+) row:(\d+)")
CLOSE_KEY = re.compile(r"claim:\d+:close:(\d{4}-\d{2}):\w+")
SUBSIDY_STEPS = {"subsidy.approve": "approve", "subsidy.pay": "pay",
                 "reversal:subsidy.approve": "reject"}
SHARE_KEY = re.compile(r"recovery:(\d+):(owed|returned)")


def _entries(uow: UnitOfWork, prefix: str) -> list[Any]:
    """Entries whose source reference starts with ``prefix``, in chain order (no lines)."""
    return list(uow.s.execute(
        select(EntryRow.seq, EntryRow.entry_date, EntryRow.kind, EntryRow.idempotency_key,
               EntryRow.source_ref, EntryRow.reverses)
        .where(EntryRow.source_ref.startswith(prefix, autoescape=True))
        .order_by(EntryRow.seq)).all())


def _reversed_by(uow: UnitOfWork) -> dict[int, int]:
    """Each reversed entry's seq -> the seq of the entry that reverses it."""
    return {r: s for s, r in uow.s.execute(
        select(EntryRow.seq, EntryRow.reverses).where(EntryRow.reverses.is_not(None))).all()}


def _seqs(seqs: list[int]) -> str:
    return ", ".join(f"#{s}" for s in seqs) or "none"


def check_claim_entries(uow: UnitOfWork) -> list[str]:
    """Each claim's status and entries agree with the journal's entries that cite it."""
    problems: list[str] = []
    claims = {c.id: c for c in uow.s.execute(select(ClaimRow).order_by(ClaimRow.id)).scalars()}
    loan_nos: dict[int, str] = {loan_id: loan_no for loan_id, loan_no in uow.s.execute(
        select(LoanRow.id, LoanRow.loan_no).where(
            LoanRow.id.in_({c.loan_id for c in claims.values()}))).all()}

    def name(claim: ClaimRow) -> str:
        return f"claim #{claim.id} (loan {loan_nos.get(claim.loan_id, '?')})"

    cited = [(e, CLAIM_REF.fullmatch(e.source_ref)) for e in _entries(uow, "claim:")]
    events = {e.id: e for e in uow.s.execute(
        select(LoanEventRow.id, LoanEventRow.loan_id, LoanEventRow.file_id, LoanEventRow.file_row)
        .where(LoanEventRow.id.in_({int(m[2]) for _, m in cited if m}))).all()}
    reversed_by = _reversed_by(uow)
    approvals: dict[int, list[Any]] = defaultdict(list)
    payments: dict[int, list[Any]] = defaultdict(list)
    shares: dict[tuple[int, str], Any] = {}  # (event, owed|returned) -> (claim, entry)
    for entry, m in cited:
        what = f"entry #{entry.seq} ({entry.kind})"
        if m is None:
            problems.append(f"{what}: source reference {entry.source_ref!r} is not "
                            "claim:N event:E file:F row:R")
            continue
        claim_id, event_id, file_id, file_row = map(int, m.groups())
        claim = claims.get(claim_id)
        if claim is None:
            problems.append(f"{what} is for claim #{claim_id}, which does not exist")
            continue
        ev = events.get(event_id)
        if ev is None or ev.loan_id != claim.loan_id or (ev.file_id, ev.file_row) != (
                file_id, file_row):
            there = ("no such event" if ev is None else
                     f"event #{ev.id} is on loan #{ev.loan_id}, file:{ev.file_id} row:{ev.file_row}")
            problems.append(f"{name(claim)}: {what} cites event:{event_id} file:{file_id} "
                            f"row:{file_row}, but {there}")
        if entry.kind == "claim.approve":
            approvals[claim_id].append(entry)
        elif entry.kind == "claim.pay":
            payments[claim_id].append(entry)
            if event_id != claim.loss_event_id:
                problems.append(f"{name(claim)}: payment {what} cites event #{event_id}, "
                                f"not its loss event #{claim.loss_event_id}")
        elif (k := SHARE_KEY.fullmatch(entry.idempotency_key)) is not None:
            shares[(int(k[1]), k[2])] = (claim, entry)
    for claim in claims.values():
        live = [a.seq for a in approvals[claim.id] if a.seq not in reversed_by]
        paid = payments[claim.id]
        if claim.status == "paid":
            if [p.seq for p in paid] != [claim.pay_entry]:
                problems.append(f"{name(claim)}: paid by entry #{claim.pay_entry}, but the "
                                f"journal's payments of it are {_seqs([p.seq for p in paid])}")
            elif paid[0].entry_date != claim.paid_on:
                problems.append(f"{name(claim)}: paid on {claim.paid_on}, but its payment "
                                f"entry #{paid[0].seq} is dated {paid[0].entry_date}")
        elif paid:
            problems.append(f"{name(claim)}: {claim.status}, but entry #{paid[0].seq} paid it "
                            f"on {paid[0].entry_date}")
        should_live = claim.status in ("approved", "paid") and claim.amount_fen > 0
        if should_live and live != [claim.approve_entry]:
            problems.append(f"{name(claim)}: {claim.status} with approval entry "
                            f"#{claim.approve_entry}, but its live approvals in the journal "
                            f"are {_seqs(live)}")
        elif not should_live and live:
            problems.append(f"{name(claim)}: {claim.status} at "
                            f"{format_grouped(claim.amount_fen)}, but its approval entry "
                            f"{_seqs(live)} is not reversed")
        first = next((a for a in approvals[claim.id]
                      if a.idempotency_key == f"claim:{claim.id}:approve"), None)
        if (first is not None and claim.status in ("approved", "paid")
                and claim.approved_on != first.entry_date):
            problems.append(f"{name(claim)}: approved on {claim.approved_on}, but its approval "
                            f"entry #{first.seq} is dated {first.entry_date}")
    problems.extend(_check_shares(uow, shares))
    return problems


def _check_shares(uow: UnitOfWork, booked: dict[tuple[int, str], Any]) -> list[str]:
    """Each recovery share is what its owed and returned entries book, and the other way round."""
    problems: list[str] = []
    receivable = {entry.seq: claims_entries.receivable(claim.institution_code)
                  for claim, entry in booked.values()}
    amounts: dict[int, int] = defaultdict(int)  # seq -> its amount on the receivable
    for seq, account, amount in uow.s.execute(
            select(LineRow.entry_seq, LineRow.account_code, LineRow.amount_fen)
            .where(LineRow.entry_seq.in_(receivable))).all() if receivable else ():
        if account == receivable[seq]:
            amounts[seq] += int(amount)
    found = set()
    for share in uow.s.execute(select(RecoveryShareRow).order_by(RecoveryShareRow.id)).scalars():
        what = f"recovery share #{share.id} (claim #{share.claim_id}, event #{share.event_id})"
        for step, seq, sign in (("owed", share.owed_entry, 1), ("returned", share.returned_entry, -1)):
            claim, entry = booked.get((share.event_id, step), (None, None))
            found.add((share.event_id, step))
            if claim is None or entry is None:
                if seq is not None:
                    problems.append(f"{what}: its {step} entry #{seq} is not in the journal "
                                    f"as recovery:{share.event_id}:{step}")
                continue
            if (seq, claim.id) != (entry.seq, share.claim_id):
                problems.append(f"{what}: entry #{entry.seq} books it {step} for claim "
                                f"#{claim.id}, but the share names entry #{seq}")
            elif amounts[entry.seq] != sign * share.share_fen:
                problems.append(f"{what}: {format_grouped(share.share_fen)}, but its {step} "
                                f"entry #{entry.seq} books "
                                f"{format_grouped(abs(amounts[entry.seq]))}")
            elif step == "returned" and share.returned_on != entry.entry_date:
                problems.append(f"{what}: returned on {share.returned_on}, but entry "
                                f"#{entry.seq} is dated {entry.entry_date}")
    for (event_id, step), (claim, entry) in sorted(booked.items(), key=lambda kv: kv[0]):
        if (event_id, step) not in found:
            problems.append(f"entry #{entry.seq} books a recovery share {step} for claim "
                            f"#{claim.id} (event #{event_id}), but no such share is recorded")
    return problems


def check_subsidy_entries(uow: UnitOfWork) -> list[str]:
    """Each subsidy's status, amount and dates agree with the journal's entries that cite it."""
    problems: list[str] = []
    rows = {r.id: r for r in uow.s.execute(select(SubsidyRow).order_by(SubsidyRow.id)).scalars()}

    def name(row: SubsidyRow) -> str:
        return f"subsidy #{row.id} ({row.kind} to {row.beneficiary})"

    payable: dict[int, int] = defaultdict(int)  # seq -> its amount on the payable
    expense: dict[int, str] = {}  # seq -> the expense account it books
    for seq, account, amount in uow.s.execute(
            select(LineRow.entry_seq, LineRow.account_code, LineRow.amount_fen)
            .join(EntryRow, EntryRow.seq == LineRow.entry_seq)
            .where(EntryRow.source_ref.startswith("subsidy:", autoescape=True))).all():
        if account == budget.PAYABLE:
            payable[seq] += int(amount)
        else:
            expense[seq] = account
    steps: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for entry in _entries(uow, "subsidy:"):
        m = SUBSIDY_REF.fullmatch(entry.source_ref)
        what = f"entry #{entry.seq} ({entry.kind})"
        if m is None:
            problems.append(f"{what}: source reference {entry.source_ref!r} is not "
                            "subsidy:N file:F row:R")
            continue
        subsidy_id, file_id, file_row = map(int, m.groups())
        row = rows.get(subsidy_id)
        if row is None:
            problems.append(f"{what} is for subsidy #{subsidy_id}, which does not exist")
            continue
        if (row.file_id, row.file_row) != (file_id, file_row):
            problems.append(f"{name(row)}: {what} cites file:{file_id} row:{file_row}, but the "
                            f"subsidy is file:{row.file_id} row:{row.file_row}")
        if entry.kind in SUBSIDY_STEPS:
            steps[row.id][SUBSIDY_STEPS[entry.kind]].append(entry)
    reversed_by = _reversed_by(uow)
    for row in rows.values():
        approvals, pays, rejects = (steps[row.id][k] for k in ("approve", "pay", "reject"))
        live = [a for a in approvals if a.seq not in reversed_by]
        amount = format_grouped(row.amount_fen)
        if row.status in ("approved", "paid"):
            if [a.seq for a in live] != [row.approve_entry]:
                problems.append(f"{name(row)}: {row.status} with approval entry "
                                f"#{row.approve_entry}, but its live approvals in the journal "
                                f"are {_seqs([a.seq for a in live])}")
            elif (payable[live[0].seq], expense.get(live[0].seq)) != (
                    -row.amount_fen, budget.expense_account(row.kind)):
                problems.append(f"{name(row)}: {amount}, but its approval entry #{live[0].seq} "
                                f"books {format_grouped(-payable[live[0].seq])} on "
                                f"{expense.get(live[0].seq)}")
            elif live[0].entry_date != row.approved_on:
                problems.append(f"{name(row)}: approved on {row.approved_on}, but its approval "
                                f"entry #{live[0].seq} is dated {live[0].entry_date}")
        elif live:
            problems.append(f"{name(row)}: {row.status} at {amount}, but its approval entry "
                            f"{_seqs([a.seq for a in live])} is not reversed")
        if row.status == "paid":
            if [p.seq for p in pays] != [row.pay_entry]:
                problems.append(f"{name(row)}: paid by entry #{row.pay_entry}, but the journal's "
                                f"payments of it are {_seqs([p.seq for p in pays])}")
            elif payable[pays[0].seq] != row.amount_fen:
                problems.append(f"{name(row)}: {amount}, but its payment entry #{pays[0].seq} "
                                f"pays {format_grouped(payable[pays[0].seq])}")
            elif pays[0].entry_date != row.paid_on:
                problems.append(f"{name(row)}: paid on {row.paid_on}, but its payment entry "
                                f"#{pays[0].seq} is dated {pays[0].entry_date}")
        elif pays:
            problems.append(f"{name(row)}: {row.status}, but entry #{pays[0].seq} paid it on "
                            f"{pays[0].entry_date}")
        if row.status == "rejected" and approvals:
            if [r.seq for r in rejects] != [row.reject_entry]:
                problems.append(f"{name(row)}: rejected with entry #{row.reject_entry}, but the "
                                f"journal's reversals of its approval are "
                                f"{_seqs([r.seq for r in rejects])}")
            elif rejects[0].entry_date != row.rejected_on:
                problems.append(f"{name(row)}: rejected on {row.rejected_on}, but its reversal "
                                f"#{rejects[0].seq} is dated {rejects[0].entry_date}")
    problems.extend(_subsidy_ceilings(uow, list(rows.values()), name))
    return problems


def _subsidy_ceilings(uow: UnitOfWork, rows: list[SubsidyRow], name: Any) -> list[str]:
    """Each subsidy within rate × basis and the yearly cap of the policy version it names.

    Every stored content of that policy name counts (a policy may have been
    reloaded), so only an amount no stored version could give is named; with
    nothing stored, the bundled default is what subsidies were computed by.
    """
    versions: dict[tuple[str, str], list[PolicyVersion]] = defaultdict(list)
    known: list[Policy] = [active_policy(uow)]
    for stored in policies.list_stored(uow):
        try:
            known.append(policies.build(uow, stored).policy)
        except PolicyError:
            continue
    for policy in known:
        p: Policy | None = policy
        while p is not None:
            for v in p.versions:
                versions[(p.name, v.version)].append(v)
            p = p.predecessor
    problems = []
    for row in rows:
        found = versions.get((row.policy_name, row.policy_version))
        if not found:
            problems.append(f"{name(row)}: computed under {row.policy_name}/{row.policy_version}"
                            ", which is not a stored policy version")
            continue
        try:
            ceiling = max(compute_subsidy(v, row.kind, row.basis_fen).amount for v in found)
        except ValueError as exc:
            problems.append(f"{name(row)}: cannot be computed: {exc}")
            continue
        if not 0 <= row.amount_fen <= ceiling:
            problems.append(f"{name(row)}: {format_grouped(row.amount_fen)} is outside what "
                            f"{row.policy_name}/{row.policy_version} grants on a basis of "
                            f"{format_grouped(row.basis_fen)}: 0.00–{format_grouped(ceiling)}")
    return problems


def check_loans(uow: UnitOfWork) -> list[str]:
    """Each loan's stored state is a replay of its events; each loss event has its claim."""
    problems: list[str] = []
    loans = {r.id: r for r in uow.s.execute(
        select(LoanRow.id, LoanRow.institution_code, LoanRow.loan_no, LoanRow.principal_fen,
               LoanRow.outstanding_fen, LoanRow.overdue_fen, LoanRow.disbursed_on)).all()}

    def name(loan_id: int) -> str:
        return f"loan {loans[loan_id].loan_no} of {loans[loan_id].institution_code}"

    states = {loan_id: LoanState(loan.principal_fen) for loan_id, loan in loans.items()}
    last = {loan_id: loan.disbursed_on for loan_id, loan in loans.items()}
    broken: set[int] = set()  # loans whose replay stopped at an event it refused
    events: dict[int, tuple[int, str]] = {}  # event -> loan, kind
    for ev in uow.s.execute(
            select(LoanEventRow.id, LoanEventRow.loan_id, LoanEventRow.event,
                   LoanEventRow.occurred_on, LoanEventRow.amount_fen)
            .order_by(LoanEventRow.loan_id, LoanEventRow.id)).all():
        events[ev.id] = (ev.loan_id, ev.event)
        if ev.loan_id not in loans:
            problems.append(f"event #{ev.id} is on loan #{ev.loan_id}, which does not exist")
            continue
        if ev.loan_id in broken:
            continue
        if ev.occurred_on < last[ev.loan_id]:
            problems.append(f"{name(ev.loan_id)}: event #{ev.id} is dated {ev.occurred_on}, "
                            f"before the disbursement or the event filed before it "
                            f"({last[ev.loan_id]})")
        last[ev.loan_id] = ev.occurred_on
        try:
            states[ev.loan_id] = apply_event(states[ev.loan_id], EventType(ev.event),
                                             int(ev.amount_fen))
        except (EventRefused, ValueError) as exc:
            problems.append(f"{name(ev.loan_id)}: event #{ev.id} ({ev.event} "
                            f"{format_grouped(ev.amount_fen)} on {ev.occurred_on}) cannot follow "
                            f"the events filed before it: {exc}")
            broken.add(ev.loan_id)
    for loan_id, loan in loans.items():
        state = states[loan_id]
        if loan_id not in broken and (loan.outstanding_fen, loan.overdue_fen) != (
                state.outstanding, state.overdue):
            problems.append(
                f"{name(loan_id)}: stored outstanding {format_grouped(loan.outstanding_fen)} "
                f"and overdue {format_grouped(loan.overdue_fen)}, but its principal "
                f"{format_grouped(loan.principal_fen)} and events give "
                f"{format_grouped(state.outstanding)} and {format_grouped(state.overdue)}")
    claimed = {event_id: claim_id for event_id, claim_id in uow.s.execute(
        select(ClaimRow.loss_event_id, ClaimRow.id)).all()}
    for event_id, (loan_id, kind) in sorted(events.items()):
        if kind == EventType.LOSS.value and event_id not in claimed and loan_id in loans:
            problems.append(f"{name(loan_id)}: loss event #{event_id} has no claim")
    for event_id, claim_id in sorted(claimed.items()):
        if event_id not in events:
            problems.append(f"claim #{claim_id}: its loss event #{event_id} does not exist")
    return problems


def check_months(uow: UnitOfWork) -> list[str]:
    """Closed months form one run, each sealed at its entry, with what its close kept."""
    problems: list[str] = []
    months = {m.period: m for m in uow.s.execute(select(MonthRow)).scalars()}
    periods = sorted(months)
    period = periods[0] if periods else ""
    while periods and period < periods[-1]:
        if period not in months:
            problems.append(f"month {period} is not closed, but months before and after it "
                            f"are ({periods[0]} to {periods[-1]}): its close was deleted")
        period = next_period(period)
    hashes = {seq: h for seq, h in uow.s.execute(select(EntryRow.seq, EntryRow.hash).where(
        EntryRow.seq.in_({m.last_seq for m in months.values()}))).all()}
    hashes[0] = GENESIS_HASH
    for period in periods:
        month = months[period]
        at = hashes.get(month.last_seq)
        if at is None:
            problems.append(f"month {period} was closed at entry #{month.last_seq}, which is "
                            "not in the journal")
        elif at != month.chain_head:
            problems.append(f"month {period}: chain head {month.chain_head[:12]}… at its close "
                            f"is not entry #{month.last_seq}'s hash {at[:12]}…")
        late = uow.s.execute(select(EntryRow.seq, EntryRow.entry_date).where(
            EntryRow.entry_date.between(first_day(period), last_day(period)),
            EntryRow.seq > month.last_seq).order_by(EntryRow.seq)).all()
        if late:
            problems.append(f"month {period} was closed at entry #{month.last_seq}, but entries "
                            f"{_seqs([seq for seq, _ in late])} dated in it were posted after")
    for period in uow.s.execute(select(StatementArchiveRow.period).distinct()
                                .order_by(StatementArchiveRow.period)).scalars():
        if period not in months:
            problems.append(f"month {period}: the statements of its close are kept, but the "
                            "month has no close")
    named_closes: dict[str, int] = {}
    for seq, key in uow.s.execute(select(EntryRow.seq, EntryRow.idempotency_key).where(
            EntryRow.idempotency_key.contains(":close:", autoescape=True))).all():
        m = CLOSE_KEY.fullmatch(key)
        if m and m[1] not in months:
            named_closes.setdefault(m[1], seq)
    for period, seq in sorted(named_closes.items()):
        problems.append(f"month {period}: entry #{seq} adjusts a claim at its close, but the "
                        "month has no close")
    return problems


def check_files(uow: UnitOfWork) -> list[str]:
    """Each filed row cites a file of its kind and filer, and each file's rows are all there."""
    problems: list[str] = []
    files = {r.id: r for r in uow.s.execute(
        select(ImportFileRow.id, ImportFileRow.filer, ImportFileRow.kind, ImportFileRow.filename,
               ImportFileRow.row_count)).all()}

    def name(file_id: int) -> str:
        return f"import file #{file_id} ({files[file_id].filename})"

    cited: dict[int, int] = defaultdict(int)
    tables: list[tuple[Any, str]] = [(LoanRow, "loans"), (LoanEventRow, "events"),
                                     (SubsidyRow, "subsidies")]
    for table, kind in tables:
        for file_id, n, rows in uow.s.execute(
                select(table.file_id, func.count(), func.count(distinct(table.file_row)))
                .group_by(table.file_id).order_by(table.file_id)).all():
            if file_id not in files:
                problems.append(f"{n} {kind} cite import file #{file_id}, which does not exist")
                continue
            cited[file_id] += n
            if files[file_id].kind != kind:
                problems.append(f"{name(file_id)}: a {files[file_id].kind} file, but {n} "
                                f"{kind} cite it")
            if rows < n:
                problems.append(f"{name(file_id)}: {n} {kind} cite only {rows} distinct rows "
                                "of it")
    for file_id, file in files.items():
        if cited[file_id] < file.row_count:
            problems.append(f"{name(file_id)}: {file.row_count} rows accepted, but only "
                            f"{cited[file_id]} {file.kind} cite it")
    # (file, whose row it is): a bank's or guarantor's code, "" for programme staff
    owners = [("loans", select(LoanRow.file_id, LoanRow.institution_code)),
              ("events", select(LoanEventRow.file_id, LoanRow.institution_code)
               .join(LoanRow, LoanRow.id == LoanEventRow.loan_id)),
              ("subsidies", select(SubsidyRow.file_id, literal("")))]
    for kind, stmt in owners:
        inner = stmt.subquery()
        for file_id, owner, n in uow.s.execute(
                select(inner.c[0], inner.c[1], func.count())
                .join(ImportFileRow, ImportFileRow.id == inner.c[0])
                .where(ImportFileRow.filer != inner.c[1])
                .group_by(inner.c[0], inner.c[1]).order_by(inner.c[0], inner.c[1])).all():
            problems.append(f"{name(file_id)}: filed by {files[file_id].filer or 'staff'}, but "
                            f"{n} {kind} in it are {owner or 'staff'}'s")
    return problems


for _check in (check_claim_entries, check_subsidy_entries, check_loans, check_months,
               check_files):
    if _check not in verify.EXTRA_CHECKS:
        verify.EXTRA_CHECKS.append(_check)
