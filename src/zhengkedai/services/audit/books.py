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

from sqlalchemy import and_, case, distinct, func, literal, or_, select

from zhengkedai.db.live import LIVE_EVENT, LIVE_LOAN
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
from zhengkedai.domain.loans import (
    EventRefused,
    EventType,
    LoanState,
    apply_event,
    event_words,
)
from zhengkedai.domain.money import format_grouped
from zhengkedai.domain.periods import first_day, last_day, next_period
from zhengkedai.domain.workflow import status_words
from zhengkedai.i18n import _, code_name
from zhengkedai.imports.schema import FILE_KIND_ZH
from zhengkedai.services.audit.records import CLOSE_KEY, seqs_text
from zhengkedai.services.claims.computation import REJECTED, WITHDRAWN


def _kind_words(kind: str) -> str:
    """A file's kind (``loans``, ``events``, ``subsidies``) as the reader says it."""
    return code_name(FILE_KIND_ZH, kind)


LOWERING = (EventType.REPAYMENT.value, EventType.LOSS.value)  # lower outstanding and overdue


def check_loans(uow: UnitOfWork) -> list[str]:
    """Each loan's stored state is a replay of its events; each loss event has its claim.

    Set-based: the replay is restated as SQL window sums over each loan's live events
    in filing order (what was lowered before each event, the losses before it, the
    event filed before it), so the database does the work and only rows that disagree
    come back; memory does not grow with the ledger. An event the rule refuses is
    named with the rule's own words (:func:`~zhengkedai.domain.loans.apply_event` run
    on the state before it), and its loan's replay stops there, as before.
    """
    problems: list[str] = []

    def name(loan_no: str, institution: str) -> str:
        return _("loan {loan} of {institution}").format(loan=loan_no, institution=institution)

    marks = (LoanRow.withdrawn_at, LoanRow.withdrawn_on, LoanRow.withdrawn_by,
             LoanRow.withdrawn_reason)
    for loan in uow.s.execute(
            select(LoanRow.id, LoanRow.loan_no, LoanRow.institution_code, *marks)
            .where(_marks_wrong(LoanRow)).order_by(LoanRow.id)):
        problems += _withdrawal_problems(name(loan.loan_no, loan.institution_code), loan)
    # problems about single events, in the order of the replay: (loan, event, …) -> text
    found: list[tuple[int, int, int, str]] = []
    for ev_id, loan_id in uow.s.execute(
            select(LoanEventRow.id, LoanEventRow.loan_id)
            .outerjoin(LoanRow, LoanRow.id == LoanEventRow.loan_id)
            .where(LoanRow.id.is_(None))):
        found.append((loan_id, ev_id, 0, _("event #{id} is on loan #{loan}, which does not "
                                           "exist").format(id=ev_id, loan=loan_id)))
    for ev in uow.s.execute(
            select(LoanEventRow.id, LoanEventRow.loan_id, LoanEventRow.withdrawn_at,
                   LoanEventRow.withdrawn_on, LoanEventRow.withdrawn_by,
                   LoanEventRow.withdrawn_reason, LoanRow.loan_no, LoanRow.institution_code)
            .join(LoanRow, LoanRow.id == LoanEventRow.loan_id)
            .where(_marks_wrong(LoanEventRow))):
        for text in _withdrawal_problems(_("{name}: event #{id}").format(
                name=name(ev.loan_no, ev.institution_code), id=ev.id), ev):
            found.append((ev.loan_id, ev.id, 1, text))
    for ev_id, loan_id, loan_no, inst in uow.s.execute(
            select(LoanEventRow.id, LoanEventRow.loan_id, LoanRow.loan_no,
                   LoanRow.institution_code)
            .join(LoanRow, LoanRow.id == LoanEventRow.loan_id)
            .where(LIVE_EVENT, LoanRow.withdrawn_at.is_not(None))):
        found.append((loan_id, ev_id, 2, _("{name} is withdrawn, but its event #{id} is "
                                           "not").format(name=name(loan_no, inst), id=ev_id)))
    # one pass of the replay over every loan gives each loan's state and whether any of
    # its events is wrong; only those loans' events are replayed again, to name them
    flagged: list[int] = []
    states: list[str] = []
    for loan in _replayed_loans(uow):
        if loan.wrong_events:
            flagged.append(loan.id)
        if loan.withdrawn_at is None and loan.refused is None and (
                loan.outstanding_fen, loan.overdue_fen) != (loan.given_outstanding,
                                                            loan.given_overdue):
            states.append(_(
                "{name}: stored outstanding {outstanding} and overdue {overdue}, but its "
                "principal {principal} and events give {given_outstanding} and "
                "{given_overdue}").format(
                name=name(loan.loan_no, loan.institution_code),
                outstanding=format_grouped(loan.outstanding_fen),
                overdue=format_grouped(loan.overdue_fen),
                principal=format_grouped(loan.principal_fen),
                given_outstanding=format_grouped(int(loan.given_outstanding)),
                given_overdue=format_grouped(int(loan.given_overdue))))
    for part in range(0, len(flagged), 500):
        replay = _replayed_events(flagged[part:part + 500])
        for ev in uow.s.execute(
                select(replay, LoanRow.loan_no, LoanRow.institution_code)
                .join(LoanRow, LoanRow.id == replay.c.loan_id).where(_wrong_event(replay))):
            who = name(ev.loan_no, ev.institution_code)
            if ev.occurred_on < ev.last_on:
                found.append((ev.loan_id, ev.id, 3, _(
                    "{name}: event #{id} is dated {on}, before the disbursement or the event "
                    "filed before it ({before})").format(name=who, id=ev.id, on=ev.occurred_on,
                                                         before=ev.last_on)))
            if ev.id == ev.first_refused:
                error = _refusal(ev.event, int(ev.amount_fen), int(ev.principal_fen)
                                 - int(ev.lowered_before), int(ev.losses_before))
                found.append((ev.loan_id, ev.id, 4, _(
                    "{name}: event #{id} ({event} {amount} on {on}) cannot follow the events "
                    "filed before it: {error}").format(
                    name=who, id=ev.id, event=event_words(ev.event),
                    amount=format_grouped(ev.amount_fen), on=ev.occurred_on, error=error)))
    problems += [text for *_key, text in sorted(found)]
    problems += states
    problems += _losses_and_claims(uow, name)
    return problems


def _marks_wrong(table: Any) -> Any:
    """SQL: the row's withdrawal marks do not fit together (see :func:`_withdrawal_problems`)."""
    return or_(
        and_(table.withdrawn_at.is_(None),
             or_(table.withdrawn_on.is_not(None), table.withdrawn_by.is_not(None),
                 table.withdrawn_reason.is_not(None))),
        and_(table.withdrawn_at.is_not(None),
             or_(table.withdrawn_on.is_(None), table.withdrawn_by.is_(None),
                 table.withdrawn_by == "", table.withdrawn_reason.is_(None),
                 table.withdrawn_reason == "")))


def _replayed_events(loans: list[int] | None = None) -> Any:
    """Each live event (of ``loans``, or every loan) with what the replay of its loan's
    live events in filing order knows at it: the principal lowered and the losses before
    it, the date it must not precede (the event filed before it, else the disbursement),
    the first event the rule refuses on the loan, and for the loan's last overdue level
    what it leaves."""
    e = LoanEventRow
    lowers = case((e.event.in_(LOWERING), e.amount_fen), else_=0)
    losses = case((e.event == EventType.LOSS.value, e.amount_fen), else_=0)
    by_loan: dict[str, Any] = {"partition_by": e.loan_id, "order_by": e.id}
    before = (None, -1)
    w = (select(
        e.id, e.loan_id, e.event, e.occurred_on, e.amount_fen, LoanRow.principal_fen,
        func.coalesce(func.sum(lowers).over(**by_loan, rows=before), 0).label("lowered_before"),
        func.coalesce(func.sum(losses).over(**by_loan, rows=before), 0).label("losses_before"),
        func.coalesce(func.lag(e.occurred_on).over(**by_loan), LoanRow.disbursed_on
                      ).label("last_on"),
        func.sum(lowers).over(partition_by=e.loan_id).label("lowered_total"),
        func.sum(lowers).over(**by_loan, rows=(None, 0)).label("lowered_through"),
        func.max(case((e.event == EventType.OVERDUE.value, e.id))).over(
            partition_by=e.loan_id).label("last_level"))
        .join(LoanRow, LoanRow.id == e.loan_id).where(LIVE_EVENT)
        .where(*([e.loan_id.in_(loans)] if loans is not None else []))).subquery("w")
    left = w.c.principal_fen - w.c.lowered_before
    refused = case(
        (and_(w.c.event.in_(LOWERING), or_(w.c.amount_fen <= 0, w.c.amount_fen > left)), 1),
        (and_(w.c.event == EventType.OVERDUE.value,
              or_(w.c.amount_fen < 0, w.c.amount_fen > left)), 1),
        (and_(w.c.event == EventType.RECOVERY.value,
              or_(w.c.amount_fen <= 0, w.c.losses_before == 0)), 1),
        (w.c.event.not_in([t.value for t in EventType]), 1),
        else_=0)
    return select(w, func.min(case((refused == 1, w.c.id))).over(
        partition_by=w.c.loan_id).label("first_refused")).subquery("replay")


def _refusal(event: str, amount: int, outstanding: int, losses: int) -> str:
    """What the rule says when it refuses ``event`` after a loan's earlier events."""
    try:
        apply_event(LoanState(outstanding, 0, losses), EventType(event), amount)
    except (EventRefused, ValueError) as exc:
        return str(exc)
    return ""


def _wrong_event(replay: Any) -> Any:
    """SQL: an event the replay names — dated before the one filed before it, or the first
    the rule refuses — up to the first refused (the replay of its loan stops there)."""
    stop = replay.c.first_refused
    return and_(or_(stop.is_(None), replay.c.id <= stop),
                or_(replay.c.id == stop, replay.c.occurred_on < replay.c.last_on))


def _replayed_loans(uow: UnitOfWork) -> Any:
    """The loans whose replay disagrees: with an event the replay names (``wrong_events``),
    or live, replayed to the end and with a stored outstanding or overdue that is not what
    their events give (``given_outstanding``, ``given_overdue``); in id order."""
    r = _replayed_events()
    level_left = r.c.amount_fen - (r.c.lowered_total - r.c.lowered_through)
    given = (select(
        r.c.loan_id, func.max(r.c.lowered_total).label("lowered"),
        func.max(case((r.c.id == r.c.last_level, case((level_left > 0, level_left), else_=0)))
                 ).label("overdue"),
        func.max(r.c.first_refused).label("refused"),
        func.sum(case((_wrong_event(r), 1), else_=0)).label("wrong_events"))
        .group_by(r.c.loan_id)).subquery("given")
    outstanding = LoanRow.principal_fen - func.coalesce(given.c.lowered, 0)
    overdue = func.coalesce(given.c.overdue, 0)
    return uow.s.execute(
        select(LoanRow.id, LoanRow.loan_no, LoanRow.institution_code, LoanRow.principal_fen,
               LoanRow.outstanding_fen, LoanRow.overdue_fen, LoanRow.withdrawn_at,
               given.c.refused, func.coalesce(given.c.wrong_events, 0).label("wrong_events"),
               outstanding.label("given_outstanding"), overdue.label("given_overdue"))
        .outerjoin(given, given.c.loan_id == LoanRow.id)
        .where(or_(given.c.wrong_events > 0,
                   and_(LIVE_LOAN, given.c.refused.is_(None),
                        or_(LoanRow.outstanding_fen != outstanding,
                            LoanRow.overdue_fen != overdue))))
        .order_by(LoanRow.id))


def _losses_and_claims(uow: UnitOfWork, name: Any) -> list[str]:
    """Every loss event has its claim, every claim its loss event, withdrawn together."""
    problems = []
    for ev_id, loan_no, inst in uow.s.execute(
            select(LoanEventRow.id, LoanRow.loan_no, LoanRow.institution_code)
            .join(LoanRow, LoanRow.id == LoanEventRow.loan_id)
            .outerjoin(ClaimRow, ClaimRow.loss_event_id == LoanEventRow.id)
            .where(LoanEventRow.event == EventType.LOSS.value, ClaimRow.id.is_(None))
            .order_by(LoanEventRow.id)):
        problems.append(_("{name}: loss event #{event} has no claim").format(
            name=name(loan_no, inst), event=ev_id))
    for claim_id, event_id, status, found in uow.s.execute(
            select(ClaimRow.id, ClaimRow.loss_event_id, ClaimRow.status, LoanEventRow.id)
            .outerjoin(LoanEventRow, LoanEventRow.id == ClaimRow.loss_event_id)
            .where(or_(LoanEventRow.id.is_(None),
                       and_(ClaimRow.status == WITHDRAWN, LIVE_EVENT),
                       and_(LoanEventRow.withdrawn_at.is_not(None),
                            ClaimRow.status.not_in((WITHDRAWN, REJECTED)))))
            .order_by(ClaimRow.loss_event_id, ClaimRow.id)):
        if found is None:
            problems.append(_("claim #{claim}: its loss event #{event} does not exist").format(
                claim=claim_id, event=event_id))
        elif status == WITHDRAWN:
            problems.append(_("claim #{claim} is withdrawn, but its loss event #{event} "
                              "is not").format(claim=claim_id, event=event_id))
        else:
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
