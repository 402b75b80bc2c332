"""What `zkd verify` checks beyond the chain: that the records beside the journal agree with it.

The journal is hash-chained; the rows around it are not. A claim's status, a
subsidy's amount, a loan's running state or a closed month can be changed with
raw SQL without breaking a hash. So each check here holds those rows against
what the chain fixes — each entry's kind, date, lines, what it reverses, and
its source reference (``claim:12 event:40 file:3 row:17``) — and against each
other, and names every row that disagrees, one line each.

An approval is *live* while no entry reverses it. The rules, from the
workflows (:mod:`zhengkedai.services.claims.workflow`, :mod:`zhengkedai.services.claims.entries`):

- a claim is paid exactly when an entry pays it, and then that entry is its
  ``pay_entry``, dated its ``paid_on``; an approved or paid claim of more than
  0.00 has exactly one live approval, its ``approve_entry``; a submitted or
  rejected claim (or one lowered to 0.00) has none;
- every claim entry cites an event of the claim's loan with that event's file
  and row, and a payment cites the claim's own loss event; a recovery share is
  the one its ``recovery:E:owed`` and ``recovery:E:returned`` entries book;
- a subsidy (:mod:`zhengkedai.services.funds.budget`) likewise: paid exactly when an entry pays it, a
  live approval exactly while approved or paid, a rejected one's approval
  reversed by its ``reject_entry``; each entry books the subsidy's amount on
  ``budget:subsidy_payable`` (an approval, against its kind's expense
  account) on the subsidy's dates, and cites its file and row. A subsidy no
  entry fixes yet (submitted) is at least within what its policy version
  grants on its basis: rate × basis, within the yearly cap;
The loans, months and files are checked in :mod:`zhengkedai.services.audit.books`.

A file's operator, name, SHA-256 and time are cited by nothing else, so no
check can see them changed; nor a row's fields that no entry or other row
repeats (a loan's enterprise, a claim's trace).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer

from zhengkedai.db.models import (
    ClaimRow,
    EntryRow,
    LineRow,
    LoanEventRow,
    LoanRow,
    RecoveryShareRow,
    SubsidyRow,
)
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.money import format_grouped
from zhengkedai.domain.policy import Policy, PolicyError, PolicyVersion
from zhengkedai.domain.subsidy_rules import SUBSIDY_KIND_ZH, compute_subsidy
from zhengkedai.domain.workflow import Status, status_words
from zhengkedai.i18n import _, code_name, is_chinese
from zhengkedai.services import policies
from zhengkedai.services.claims import entries as claims_entries
from zhengkedai.services.funds import budget
from zhengkedai.services.params import active_policy

CLAIM_REF = re.compile(r"claim:(\d+) event:(\d+) file:(\d+) row:(\d+)")
SUBSIDY_REF = re.compile(r"subsidy:(\d+) file:(\d+) row:(\d+)")
CLOSE_KEY = re.compile(r"claim:\d+:close:(\d{4}-\d{2}):\w+")
SUBSIDY_STEPS = {"subsidy.approve": "approve", "subsidy.pay": "pay",
                 "reversal:subsidy.approve": "reject"}
# a claim's trace (about 2 KB of text) is what no check reads: left in the database, so
# 20,000 claims are not 100 MB of strings (loaded only if something asks for it)
WITHOUT_TRACE = defer(ClaimRow.trace)


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


def seqs_text(seqs: list[int]) -> str:
    return ", ".join(f"#{s}" for s in seqs) or _("none")


_SHARE_STEP_ZH = {"owed": "应返还", "returned": "已返还"}


def subsidy_kind_words(kind: str) -> str:
    """A subsidy's kind as the reader says it (a tampered one as it is stored)."""
    return code_name(SUBSIDY_KIND_ZH, kind)


def step_words(step: str) -> str:
    """A recovery share's step (``owed``, ``returned``) as the reader says it."""
    return _SHARE_STEP_ZH.get(step, step) if is_chinese() else step


def _payment_problems(label: str, status: str, pay_entry: int | None, paid_on: Any,
                      pays: list[Any], *, amount: tuple[int, dict[int, int]] | None = None
                      ) -> list[str]:
    """A claim's or subsidy's payment against the journal's entries paying it.

    Paid means exactly one payment entry, its ``pay_entry``, dated ``paid_on``
    (and, given ``amount`` as (amount, what each entry books on the payable),
    paying that amount); any other status means none.
    """
    if status != Status.PAID:
        return ([_("{label}: {status}, but entry #{seq} paid it on {on}").format(
            label=label, status=status_words(status), seq=pays[0].seq, on=pays[0].entry_date)]
            if pays else [])
    if [p.seq for p in pays] != [pay_entry]:
        return [_("{label}: paid by entry #{seq}, but the journal's payments of it are "
                  "{seqs}").format(label=label, seq=pay_entry, seqs=seqs_text([p.seq for p in pays]))]
    if amount is not None and amount[1][pays[0].seq] != amount[0]:
        return [_("{label}: {amount}, but its payment entry #{seq} pays {paid}").format(
            label=label, amount=format_grouped(amount[0]), seq=pays[0].seq,
            paid=format_grouped(amount[1][pays[0].seq]))]
    if pays[0].entry_date != paid_on:
        return [_("{label}: paid on {on}, but its payment entry #{seq} is dated {dated}").format(
            label=label, on=paid_on, seq=pays[0].seq, dated=pays[0].entry_date)]
    return []


def check_claim_entries(uow: UnitOfWork) -> list[str]:
    """Each claim's status and entries agree with the journal's entries that cite it."""
    problems: list[str] = []
    claims = {c.id: c for c in uow.s.execute(select(ClaimRow).order_by(ClaimRow.id).options(
        WITHOUT_TRACE)).scalars()}
    loan_nos: dict[int, str] = {loan_id: loan_no for loan_id, loan_no in uow.s.execute(
        select(LoanRow.id, LoanRow.loan_no).where(
            LoanRow.id.in_({c.loan_id for c in claims.values()}))).all()}

    def name(claim: ClaimRow) -> str:
        return _("claim #{id} (loan {loan})").format(id=claim.id,
                                                      loan=loan_nos.get(claim.loan_id, "?"))

    cited = [(e, CLAIM_REF.fullmatch(e.source_ref)) for e in _entries(uow, "claim:")]
    events = {e.id: e for e in uow.s.execute(
        select(LoanEventRow.id, LoanEventRow.loan_id, LoanEventRow.file_id, LoanEventRow.file_row)
        .where(LoanEventRow.id.in_({int(m[2]) for _, m in cited if m}))).all()}
    reversed_by = _reversed_by(uow)
    approvals: dict[int, list[Any]] = defaultdict(list)
    payments: dict[int, list[Any]] = defaultdict(list)
    shares: dict[tuple[int, str], list[Any]] = defaultdict(list)  # (event, step) -> [(claim, entry)]
    for entry, m in cited:
        what = _("entry #{seq} ({kind})").format(seq=entry.seq, kind=entry.kind)
        if m is None:
            problems.append(_("{what}: source reference {ref!r} is not "
                              "claim:N event:E file:F row:R").format(what=what, ref=entry.source_ref))
            continue
        claim_id, event_id, file_id, file_row = map(int, m.groups())
        claim = claims.get(claim_id)
        if claim is None:
            problems.append(_("{what} is for claim #{claim}, which does not exist").format(
                what=what, claim=claim_id))
            continue
        ev = events.get(event_id)
        if ev is None or ev.loan_id != claim.loan_id or (ev.file_id, ev.file_row) != (
                file_id, file_row):
            there = (_("no such event") if ev is None else
                     _("event #{id} is on loan #{loan}, file:{file} row:{row}").format(
                         id=ev.id, loan=ev.loan_id, file=ev.file_id, row=ev.file_row))
            problems.append(_("{name}: {what} cites event:{event} file:{file} row:{row}, but "
                              "{there}").format(name=name(claim), what=what, event=event_id,
                                                file=file_id, row=file_row, there=there))
        if entry.kind == "claim.approve":
            approvals[claim_id].append(entry)
        elif entry.kind == "claim.pay":
            payments[claim_id].append(entry)
            if event_id != claim.loss_event_id:
                problems.append(_("{name}: payment {what} cites event #{event}, not its loss "
                                  "event #{loss}").format(name=name(claim), what=what,
                                                          event=event_id, loss=claim.loss_event_id))
        elif (k := claims_entries.SHARE_KEY.fullmatch(entry.idempotency_key)) is not None:
            shares[(int(k[1]), k[2])].append((claim, entry))
    for claim in claims.values():
        live = [a.seq for a in approvals[claim.id] if a.seq not in reversed_by]
        paid = payments[claim.id]
        problems += _payment_problems(name(claim), claim.status, claim.pay_entry, claim.paid_on,
                                      paid)
        should_live = claim.status in (Status.APPROVED, Status.PAID) and claim.amount_fen > 0
        if should_live and live != [claim.approve_entry]:
            problems.append(_("{name}: {status} with approval entry #{seq}, but its live "
                              "approvals in the journal are {seqs}").format(
                name=name(claim), status=status_words(claim.status), seq=claim.approve_entry,
                seqs=seqs_text(live)))
        elif not should_live and live:
            problems.append(_("{name}: {status} at {amount}, but its approval entry {seqs} is "
                              "not reversed").format(
                name=name(claim), status=status_words(claim.status),
                amount=format_grouped(claim.amount_fen), seqs=seqs_text(live)))
        first = next((a for a in approvals[claim.id]
                      if a.idempotency_key == f"claim:{claim.id}:approve"), None)
        if (first is not None and claim.status in (Status.APPROVED, Status.PAID)
                and claim.approved_on != first.entry_date):
            problems.append(_("{name}: approved on {on}, but its approval entry #{seq} is "
                              "dated {dated}").format(name=name(claim), on=claim.approved_on,
                                                      seq=first.seq, dated=first.entry_date))
    problems.extend(_check_shares(uow, shares))
    return problems


def _check_shares(uow: UnitOfWork, booked: dict[tuple[int, str], list[Any]]) -> list[str]:
    """Each recovery share is what its owed and returned entries book, and the other way round.

    A share is owed by one entry and returned by one or more (a partial return
    is a part): the parts add up to what the share says was returned, and the
    last part of a share returned in full is its ``returned_entry``.
    """
    problems: list[str] = []
    receivable = {entry.seq: claims_entries.receivable(claim.institution_code)
                  for parts in booked.values() for claim, entry in parts}
    amounts: dict[int, int] = defaultdict(int)  # seq -> its amount on the receivable
    for seq, account, amount in uow.s.execute(
            select(LineRow.entry_seq, LineRow.account_code, LineRow.amount_fen)
            .where(LineRow.entry_seq.in_(receivable))).all() if receivable else ():
        if account == receivable[seq]:
            amounts[seq] += int(amount)
    found = set()
    for share in uow.s.execute(select(RecoveryShareRow).order_by(RecoveryShareRow.id)).scalars():
        what = _("recovery share #{id} (claim #{claim}, event #{event})").format(
            id=share.id, claim=share.claim_id, event=share.event_id)
        parts = booked.get((share.event_id, "returned"), [])
        if len(parts) > 1 or (parts and share.returned_fen != share.share_fen):
            # returned in parts: they add up to what was returned, the last one completing it
            found.add((share.event_id, "returned"))
            total = -sum(amounts[entry.seq] for _, entry in parts)
            if total != share.returned_fen:
                problems.append(_("{what}: {returned} returned, but its return entries {seqs} "
                                  "book {total}").format(
                    what=what, returned=format_grouped(share.returned_fen),
                    seqs=seqs_text([e.seq for _, e in parts]), total=format_grouped(total)))
            elif share.returned_entry is not None and share.returned_entry != parts[-1][1].seq:
                problems.append(_("{what}: returned by entry #{seq}, but its last return entry "
                                  "is #{last}").format(what=what, seq=share.returned_entry,
                                                       last=parts[-1][1].seq))
        for step, seq, sign in (("owed", share.owed_entry, 1), ("returned", share.returned_entry, -1)):
            if (share.event_id, step) in found:
                continue
            claim, entry = (booked.get((share.event_id, step)) or [(None, None)])[0]
            found.add((share.event_id, step))
            if claim is None or entry is None:
                if seq is not None:
                    problems.append(_("{what}: its {step} entry #{seq} is not in the journal "
                                      "as recovery:{event}:{key}").format(
                        what=what, step=step_words(step), seq=seq, event=share.event_id, key=step))
                continue
            if (seq, claim.id) != (entry.seq, share.claim_id):
                problems.append(_("{what}: entry #{entry} books it {step} for claim #{claim}, "
                                  "but the share names entry #{seq}").format(
                    what=what, entry=entry.seq, step=step_words(step), claim=claim.id, seq=seq))
            elif amounts[entry.seq] != sign * share.share_fen:
                problems.append(_("{what}: {share}, but its {step} entry #{entry} books "
                                  "{booked}").format(
                    what=what, share=format_grouped(share.share_fen), step=step_words(step),
                    entry=entry.seq, booked=format_grouped(abs(amounts[entry.seq]))))
            elif step == "returned" and share.returned_on != entry.entry_date:
                problems.append(_("{what}: returned on {on}, but entry #{seq} is dated "
                                  "{dated}").format(what=what, on=share.returned_on,
                                                    seq=entry.seq, dated=entry.entry_date))
    for (event_id, step), ((claim, entry), *_rest) in sorted(booked.items(), key=lambda kv: kv[0]):
        if (event_id, step) not in found:
            problems.append(_("entry #{seq} books a recovery share {step} for claim #{claim} "
                              "(event #{event}), but no such share is recorded").format(
                seq=entry.seq, step=step_words(step), claim=claim.id, event=event_id))
    return problems


def check_subsidy_entries(uow: UnitOfWork) -> list[str]:
    """Each subsidy's status, amount and dates agree with the journal's entries that cite it."""
    problems: list[str] = []
    rows = {r.id: r for r in uow.s.execute(select(SubsidyRow).order_by(SubsidyRow.id)).scalars()}

    def name(row: SubsidyRow) -> str:
        return _("subsidy #{id} ({kind} to {beneficiary})").format(
            id=row.id, kind=subsidy_kind_words(row.kind), beneficiary=row.beneficiary)

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
        what = _("entry #{seq} ({kind})").format(seq=entry.seq, kind=entry.kind)
        if m is None:
            problems.append(_("{what}: source reference {ref!r} is not "
                              "subsidy:N file:F row:R").format(what=what, ref=entry.source_ref))
            continue
        subsidy_id, file_id, file_row = map(int, m.groups())
        row = rows.get(subsidy_id)
        if row is None:
            problems.append(_("{what} is for subsidy #{subsidy}, which does not exist").format(
                what=what, subsidy=subsidy_id))
            continue
        if (row.file_id, row.file_row) != (file_id, file_row):
            problems.append(_("{name}: {what} cites file:{file} row:{row}, but the subsidy is "
                              "file:{its_file} row:{its_row}").format(
                name=name(row), what=what, file=file_id, row=file_row, its_file=row.file_id,
                its_row=row.file_row))
        if entry.kind in SUBSIDY_STEPS:
            steps[row.id][SUBSIDY_STEPS[entry.kind]].append(entry)
    reversed_by = _reversed_by(uow)
    for row in rows.values():
        approvals, pays, rejects = (steps[row.id][k] for k in ("approve", "pay", "reject"))
        live = [a for a in approvals if a.seq not in reversed_by]
        amount = format_grouped(row.amount_fen)
        if row.status in (Status.APPROVED, Status.PAID):
            if [a.seq for a in live] != [row.approve_entry]:
                problems.append(_("{name}: {status} with approval entry #{seq}, but its live "
                                  "approvals in the journal are {seqs}").format(
                    name=name(row), status=status_words(row.status), seq=row.approve_entry,
                    seqs=seqs_text([a.seq for a in live])))
            elif (payable[live[0].seq], expense.get(live[0].seq)) != (
                    -row.amount_fen, budget.expense_account(row.kind)):
                problems.append(_("{name}: {amount}, but its approval entry #{seq} books "
                                  "{booked} on {account}").format(
                    name=name(row), amount=amount, seq=live[0].seq,
                    booked=format_grouped(-payable[live[0].seq]), account=expense.get(live[0].seq)))
            elif live[0].entry_date != row.approved_on:
                problems.append(_("{name}: approved on {on}, but its approval entry #{seq} is "
                                  "dated {dated}").format(name=name(row), on=row.approved_on,
                                                          seq=live[0].seq, dated=live[0].entry_date))
        elif live:
            problems.append(_("{name}: {status} at {amount}, but its approval entry {seqs} is "
                              "not reversed").format(
                name=name(row), status=status_words(row.status), amount=amount,
                seqs=seqs_text([a.seq for a in live])))
        problems += _payment_problems(name(row), row.status, row.pay_entry, row.paid_on, pays,
                                      amount=(row.amount_fen, payable))
        if row.status == Status.REJECTED and approvals:
            if [r.seq for r in rejects] != [row.reject_entry]:
                problems.append(_("{name}: rejected with entry #{seq}, but the journal's "
                                  "reversals of its approval are {seqs}").format(
                    name=name(row), seq=row.reject_entry, seqs=seqs_text([r.seq for r in rejects])))
            elif rejects[0].entry_date != row.rejected_on:
                problems.append(_("{name}: rejected on {on}, but its reversal #{seq} is dated "
                                  "{dated}").format(name=name(row), on=row.rejected_on,
                                                    seq=rejects[0].seq,
                                                    dated=rejects[0].entry_date))
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
            problems.append(_("{name}: computed under {policy}/{version}, which is not a "
                              "stored policy version").format(
                name=name(row), policy=row.policy_name, version=row.policy_version))
            continue
        try:
            ceiling = max(compute_subsidy(v, row.kind, row.basis_fen).amount for v in found)
        except ValueError as exc:
            problems.append(_("{name}: cannot be computed: {error}").format(name=name(row),
                                                                            error=exc))
            continue
        if not 0 <= row.amount_fen <= ceiling:
            problems.append(_("{name}: {amount} is outside what {policy}/{version} grants on a "
                              "basis of {basis}: 0.00–{ceiling}").format(
                name=name(row), amount=format_grouped(row.amount_fen), policy=row.policy_name,
                version=row.policy_version, basis=format_grouped(row.basis_fen),
                ceiling=format_grouped(ceiling)))
    return problems
