"""What `zkd verify` checks of the books beside the journal: loans, closed months, files.

Like :mod:`zhengkedai.services.audit.records` (claims and subsidies against their entries), each
check holds rows that no hash covers against what fixes them, and names every
row that disagrees, one line each:

- a loan's stored running state (``outstanding_fen``, ``overdue_fen``, kept so
  filing is one lookup) is what its live events give, replayed from its
  principal in filing order (:func:`~zhengkedai.domain.loans.apply_event`); its
  events are dated in that order, none before the disbursement; every loss
  event has its claim and every claim its loss event;
- withdrawn (撤回) rows are replayed as if never filed, but still checked: each
  says who withdrew it, when and why; a withdrawn loan's events are all
  withdrawn; a claim is ``withdrawn`` only if its loss was, and a withdrawn
  loss's claim is withdrawn or was rejected before;
- closed months run without a gap from the first to the last (closes go in
  order, so a gap is a deleted close); each month's ``chain_head`` is the hash
  of the entry at its ``last_seq``; no entry dated in a closed month was posted
  after its close; the statements a close kept, and the close adjustments
  the journal names (``claim:N:close:YYYY-MM:…``), have their month;
- every loan, event and subsidy cites an accepted file of its kind, filed by
  its institution (programme staff, ``""``, for subsidies), one row each; and
  since a file is accepted whole, none of a file's rows is missing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import distinct, func, literal, select

from zhengkedai.db.models import (
    ClaimRow,
    EntryRow,
    ImportFileRow,
    LoanEventRow,
    LoanRow,
    MonthRow,
    StatementArchiveRow,
    SubsidyRow,
)
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.ledger import GENESIS_HASH
from zhengkedai.domain.loans import EVENT_TYPE_ZH, EventRefused, EventType, LoanState, apply_event
from zhengkedai.domain.money import format_grouped
from zhengkedai.domain.periods import first_day, last_day, next_period
from zhengkedai.i18n import _, is_chinese
from zhengkedai.imports.schema import FILE_KIND_ZH
from zhengkedai.services.audit.records import CLOSE_KEY, seqs_text, status_words
from zhengkedai.services.claims.computation import REJECTED, WITHDRAWN


def event_words(event: str) -> str:
    """An event's type as the reader says it (a tampered one as it is stored)."""
    return EVENT_TYPE_ZH.get(event, event) if is_chinese() else event  # type: ignore[call-overload]


def _kind_words(kind: str) -> str:
    """A file's kind (``loans``, ``events``, ``subsidies``) as the reader says it."""
    return FILE_KIND_ZH.get(kind, kind) if is_chinese() else kind  # type: ignore[call-overload]


def check_loans(uow: UnitOfWork) -> list[str]:
    """Each loan's stored state is a replay of its events; each loss event has its claim."""
    problems: list[str] = []
    loans = {r.id: r for r in uow.s.execute(
        select(LoanRow.id, LoanRow.institution_code, LoanRow.loan_no, LoanRow.principal_fen,
               LoanRow.outstanding_fen, LoanRow.overdue_fen, LoanRow.disbursed_on,
               LoanRow.withdrawn_at, LoanRow.withdrawn_on, LoanRow.withdrawn_by,
               LoanRow.withdrawn_reason)).all()}

    def name(loan_id: int) -> str:
        return _("loan {loan} of {institution}").format(
            loan=loans[loan_id].loan_no, institution=loans[loan_id].institution_code)

    states = {loan_id: LoanState(loan.principal_fen) for loan_id, loan in loans.items()}
    last = {loan_id: loan.disbursed_on for loan_id, loan in loans.items()}
    broken: set[int] = set()  # loans whose replay stopped at an event it refused
    events: dict[int, tuple[int, str, bool]] = {}  # event -> loan, kind, withdrawn
    for loan in loans.values():
        problems += _withdrawal_problems(name(loan.id), loan)
    for ev in uow.s.execute(
            select(LoanEventRow.id, LoanEventRow.loan_id, LoanEventRow.event,
                   LoanEventRow.occurred_on, LoanEventRow.amount_fen, LoanEventRow.withdrawn_at,
                   LoanEventRow.withdrawn_on, LoanEventRow.withdrawn_by,
                   LoanEventRow.withdrawn_reason)
            .order_by(LoanEventRow.loan_id, LoanEventRow.id)).all():
        events[ev.id] = (ev.loan_id, ev.event, ev.withdrawn_at is not None)
        if ev.loan_id not in loans:
            problems.append(_("event #{id} is on loan #{loan}, which does not exist").format(
                id=ev.id, loan=ev.loan_id))
            continue
        problems += _withdrawal_problems(
            _("{name}: event #{id}").format(name=name(ev.loan_id), id=ev.id), ev)
        if ev.withdrawn_at is not None:
            continue  # replayed as if never filed
        if loans[ev.loan_id].withdrawn_at is not None:
            problems.append(_("{name} is withdrawn, but its event #{id} is not").format(
                name=name(ev.loan_id), id=ev.id))
        if ev.loan_id in broken:
            continue
        if ev.occurred_on < last[ev.loan_id]:
            problems.append(_("{name}: event #{id} is dated {on}, before the disbursement or "
                              "the event filed before it ({before})").format(
                name=name(ev.loan_id), id=ev.id, on=ev.occurred_on, before=last[ev.loan_id]))
        last[ev.loan_id] = ev.occurred_on
        try:
            states[ev.loan_id] = apply_event(states[ev.loan_id], EventType(ev.event),
                                             int(ev.amount_fen))
        except (EventRefused, ValueError) as exc:
            problems.append(_("{name}: event #{id} ({event} {amount} on {on}) cannot follow "
                              "the events filed before it: {error}").format(
                name=name(ev.loan_id), id=ev.id, event=event_words(ev.event),
                amount=format_grouped(ev.amount_fen), on=ev.occurred_on, error=exc))
            broken.add(ev.loan_id)
    for loan_id, loan in loans.items():
        state = states[loan_id]
        if loan.withdrawn_at is not None:
            continue  # its running state is no longer kept
        if loan_id not in broken and (loan.outstanding_fen, loan.overdue_fen) != (
                state.outstanding, state.overdue):
            problems.append(_(
                "{name}: stored outstanding {outstanding} and overdue {overdue}, but its "
                "principal {principal} and events give {given_outstanding} and "
                "{given_overdue}").format(
                name=name(loan_id), outstanding=format_grouped(loan.outstanding_fen),
                overdue=format_grouped(loan.overdue_fen),
                principal=format_grouped(loan.principal_fen),
                given_outstanding=format_grouped(state.outstanding),
                given_overdue=format_grouped(state.overdue)))
    claimed = {event_id: (claim_id, status) for event_id, claim_id, status in uow.s.execute(
        select(ClaimRow.loss_event_id, ClaimRow.id, ClaimRow.status)).all()}
    for event_id, (loan_id, kind, _withdrawn) in sorted(events.items()):
        if kind == EventType.LOSS.value and event_id not in claimed and loan_id in loans:
            problems.append(_("{name}: loss event #{event} has no claim").format(
                name=name(loan_id), event=event_id))
    for event_id, (claim_id, status) in sorted(claimed.items()):
        if event_id not in events:
            problems.append(_("claim #{claim}: its loss event #{event} does not exist").format(
                claim=claim_id, event=event_id))
            continue
        withdrawn = events[event_id][2]
        if status == WITHDRAWN and not withdrawn:
            problems.append(_("claim #{claim} is withdrawn, but its loss event #{event} "
                              "is not").format(claim=claim_id, event=event_id))
        elif withdrawn and status not in (WITHDRAWN, REJECTED):
            problems.append(_("claim #{claim} is {status}, but its loss event #{event} "
                              "was withdrawn").format(claim=claim_id, status=status_words(status),
                                                      event=event_id))
    return problems


def _withdrawal_problems(what: str, row: Any) -> list[str]:
    """A withdrawn row says who withdrew it, when and why; a live one says none of it."""
    marks = (row.withdrawn_at, row.withdrawn_on, row.withdrawn_by, row.withdrawn_reason)
    if row.withdrawn_at is None:
        return [_("{what} is not withdrawn, but carries a withdrawal's marks").format(
            what=what)] if any(m is not None for m in marks) else []
    if any(m is None or m == "" for m in marks):
        return [_("{what} is withdrawn without saying who withdrew it, when and why").format(
            what=what)]
    return []


def check_months(uow: UnitOfWork) -> list[str]:
    """Closed months form one run, each sealed at its entry, with what its close kept."""
    problems: list[str] = []
    months = {m.period: m for m in uow.s.execute(select(MonthRow)).scalars()}
    periods = sorted(months)
    period = periods[0] if periods else ""
    while periods and period < periods[-1]:
        if period not in months:
            problems.append(_("month {period} is not closed, but months before and after it "
                              "are ({first} to {last}): its close was deleted").format(
                period=period, first=periods[0], last=periods[-1]))
        period = next_period(period)
    hashes = {seq: h for seq, h in uow.s.execute(select(EntryRow.seq, EntryRow.hash).where(
        EntryRow.seq.in_({m.last_seq for m in months.values()}))).all()}
    hashes[0] = GENESIS_HASH
    for period in periods:
        month = months[period]
        at = hashes.get(month.last_seq)
        if at is None:
            problems.append(_("month {period} was closed at entry #{seq}, which is "
                              "not in the journal").format(period=period, seq=month.last_seq))
        elif at != month.chain_head:
            problems.append(_("month {period}: chain head {head}… at its close is not entry "
                              "#{seq}'s hash {hash}…").format(
                period=period, head=month.chain_head[:12], seq=month.last_seq, hash=at[:12]))
        late = uow.s.execute(select(EntryRow.seq, EntryRow.entry_date).where(
            EntryRow.entry_date.between(first_day(period), last_day(period)),
            EntryRow.seq > month.last_seq).order_by(EntryRow.seq)).all()
        if late:
            problems.append(_("month {period} was closed at entry #{seq}, but entries {seqs} "
                              "dated in it were posted after").format(
                period=period, seq=month.last_seq, seqs=seqs_text([seq for seq, _d in late])))
    for period in uow.s.execute(select(StatementArchiveRow.period).distinct()
                                .order_by(StatementArchiveRow.period)).scalars():
        if period not in months:
            problems.append(_("month {period}: the statements of its close are kept, but the "
                              "month has no close").format(period=period))
    named_closes: dict[str, int] = {}
    for seq, key in uow.s.execute(select(EntryRow.seq, EntryRow.idempotency_key).where(
            EntryRow.idempotency_key.contains(":close:", autoescape=True))).all():
        m = CLOSE_KEY.fullmatch(key)
        if m and m[1] not in months:
            named_closes.setdefault(m[1], seq)
    for period, seq in sorted(named_closes.items()):
        problems.append(_("month {period}: entry #{seq} adjusts a claim at its close, but the "
                          "month has no close").format(period=period, seq=seq))
    return problems


def check_files(uow: UnitOfWork) -> list[str]:
    """Each filed row cites a file of its kind and filer, and each file's rows are all there."""
    problems: list[str] = []
    files = {r.id: r for r in uow.s.execute(
        select(ImportFileRow.id, ImportFileRow.filer, ImportFileRow.kind, ImportFileRow.filename,
               ImportFileRow.row_count)).all()}

    def name(file_id: int) -> str:
        return _("import file #{id} ({filename})").format(id=file_id,
                                                            filename=files[file_id].filename)

    cited: dict[int, int] = defaultdict(int)
    tables: list[tuple[Any, str]] = [(LoanRow, "loans"), (LoanEventRow, "events"),
                                     (SubsidyRow, "subsidies")]
    for table, kind in tables:
        for file_id, n, rows in uow.s.execute(
                select(table.file_id, func.count(), func.count(distinct(table.file_row)))
                .group_by(table.file_id).order_by(table.file_id)).all():
            if file_id not in files:
                problems.append(_("{n} {kind} cite import file #{id}, which does not "
                                  "exist").format(n=n, kind=_kind_words(kind), id=file_id))
                continue
            cited[file_id] += n
            if files[file_id].kind != kind:
                problems.append(_("{name}: a {file_kind} file, but {n} {kind} cite it").format(
                    name=name(file_id), file_kind=_kind_words(files[file_id].kind), n=n,
                    kind=_kind_words(kind)))
            if rows < n:
                problems.append(_("{name}: {n} {kind} cite only {rows} distinct rows "
                                  "of it").format(name=name(file_id), n=n, kind=_kind_words(kind),
                                                  rows=rows))
    for file_id, file in files.items():
        if cited[file_id] != file.row_count:
            text = (_("{name}: {accepted} rows accepted, but only {n} {kind} cite it")
                    if cited[file_id] < file.row_count else
                    _("{name}: {accepted} rows accepted, but {n} {kind} cite it"))
            problems.append(text.format(name=name(file_id), accepted=file.row_count,
                                        n=cited[file_id], kind=_kind_words(file.kind)))
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
            problems.append(_("{name}: filed by {filer}, but {n} {kind} in it are "
                              "{owner}'s").format(
                name=name(file_id), filer=files[file_id].filer or _("staff"), n=n,
                kind=_kind_words(kind), owner=owner or _("staff")))
    return problems
