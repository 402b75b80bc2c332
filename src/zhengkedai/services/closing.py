"""Closing a month (月结): the institutions' overdue ratios, suspensions, and the lock.

A close, all in one transaction under the ledger lock:
- refuses a month already closed, a month not yet ended, and a month while an
  earlier month with activity is still open (closes go in order);
- records each institution's outstanding and overdue principal at the month's
  end and whether its overdue ratio is above the policy threshold — which
  suspends it from the next month's first day (SPEC 6);
- computes again the claims on loans disbursed after the month whose
  institution's status from the next month that decision changed (they were
  opened before the close, under the previous close's status);
- records the chain head at the close, and keeps the month's five statements
  as the close computes them, so a closed month's statements are regenerated
  to the same bytes whatever later months change, and checked against the ledger;
- with a signing key (:mod:`zhengkedai.services.signing`), signs the month's PDFs
  (PAdES) and keeps the signed bytes in the archive — they are what ``zkd
  statement`` returns for the month ever after — and signs the chain head. A
  ledger without a key closes unsigned; one whose key is missing refuses.
After it, the ledger refuses any entry dated in the month.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from zhengkedai.context import Actor, local_time
from zhengkedai.db.digests import sha256_hex
from zhengkedai.db.ledger_repo import latest_closed
from zhengkedai.db.models import (
    EntryRow,
    InstitutionMonthRow,
    InstitutionRow,
    LoanEventRow,
    LoanRow,
    MonthRow,
    StatementArchiveRow,
)
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import statement_codec
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.periods import first_day, last_day, next_period, parse_period, period_of
from zhengkedai.domain.policy_reserve import is_suspended, overdue_ratio
from zhengkedai.domain.statement_codec import decode
from zhengkedai.i18n import _
from zhengkedai.services import institutions, portfolio, signing
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.params import active_policy
from zhengkedai.services.statements.build import iter_statements


@dataclass(frozen=True)
class InstitutionClose:
    code: str
    outstanding: int
    overdue: int
    ratio: Decimal | None  # overdue ÷ outstanding; None with nothing outstanding
    suspended_next_month: bool


@dataclass(frozen=True)
class CloseResult:
    period: str
    closed_at: dt.datetime
    chain_head: str
    last_seq: int
    institutions: tuple[InstitutionClose, ...]
    threshold: Decimal
    recomputed: tuple[claims.Recomputed, ...] = ()
    signed_with: str | None = None  # the certificate's fingerprint; None: unsigned ledger


def first_active_period(uow: UnitOfWork) -> str | None:
    """The earliest month with a journal entry, a loan or a post-loan event."""
    s = uow.s
    dates = [
        s.execute(select(func.min(EntryRow.entry_date))).scalar(),
        s.execute(select(func.min(LoanRow.disbursed_on))).scalar(),
        s.execute(select(func.min(LoanEventRow.occurred_on))).scalar(),
    ]
    found = [d for d in dates if d is not None]
    return period_of(min(found)) if found else None


def open_periods_before(uow: UnitOfWork, period: str) -> list[str]:
    start = first_active_period(uow)
    if start is None or start >= period:
        return []
    closed = set(uow.s.execute(select(MonthRow.period)).scalars())
    out, p = [], start
    while p < period:
        if p not in closed:
            out.append(p)
        p = next_period(p)
    return out


def close_month(uow: UnitOfWork, actor: Actor, period: str,
                keys: signing.KeyFolder | None = None) -> CloseResult:
    """Close ``period``; sign its PDFs and the chain head when the ledger has a key
    (found in ``keys``, by default the key folder of ZKD_SIGNING_DIR)."""
    period = parse_period(period)
    head = uow.lock_ledger()
    signer = signing.signer_for(uow, keys)  # a missing key refuses before anything is done
    existing = uow.s.get(MonthRow, period)
    if existing is not None:
        raise ZkdError(_("month {period} was closed at {at} (UTC+8) by {who}").format(
            period=period, at=f"{local_time(existing.closed_at):%Y-%m-%d %H:%M}",
            who=existing.closed_by))
    last = latest_closed(uow)
    if last is not None and last > period:
        raise ZkdError(_("month {period} comes before {last}, which is closed: months are "
                         "closed in order, and every month up to the latest close is closed "
                         "with it").format(period=period, last=last))
    end = last_day(period)
    if actor.today() <= end:
        raise ZkdError(_("month {period} has not ended yet (it ends {end}); close it from "
                         "{start} on").format(period=period, end=end,
                                              start=first_day(next_period(period))))
    earlier = open_periods_before(uow, period)
    if earlier:
        raise ZkdError(_("close {period} first: months are closed in order "
                         "({count} earlier month(s) still open)").format(
                             period=earlier[0], count=len(earlier)))
    threshold = active_policy(uow).version_on(end).suspension.overdue_ratio_max
    figures = portfolio.by_institution(uow, end)
    results = []
    codes = uow.s.execute(
        select(InstitutionRow.code).where(InstitutionRow.kind.in_(institutions.FILING_KINDS))
        .order_by(InstitutionRow.code)
    ).scalars()
    since = first_day(next_period(period))
    changed: dict[str, str] = {}  # institution -> what the close found, for the memos
    for code in codes:
        f = figures.get(code)
        outstanding, overdue = (f.outstanding, f.overdue) if f else (0, 0)
        suspended = is_suspended(outstanding, overdue, threshold)
        if suspended != institutions.is_suspended(uow, code, first_day(period)):
            changed[code] = (f"认定{code}自{since}起暂停" if suspended
                             else f"认定{code}自{since}起恢复")
        uow.s.add(InstitutionMonthRow(period=period, institution_code=code,
                                      outstanding_fen=outstanding, overdue_fen=overdue,
                                      suspended=suspended))
        results.append(InstitutionClose(code, outstanding, overdue,
                                        overdue_ratio(outstanding, overdue), suspended))
    closed_at = actor.now()
    uow.s.add(MonthRow(period=period, closed_at=closed_at, closed_by=actor.operator,
                       chain_head=head.last_hash, last_seq=head.last_seq))
    uow.s.flush()
    # claims on loans disbursed after the month, opened before this close, assumed
    # the status the previous close gave; where that changed, they are computed again
    recomputed = (claims.recompute_after_close(uow, actor, period, since, sorted(changed), changed)
                  if changed else [])
    _archive_statements(uow, actor, period, signer)
    if signer is not None:
        signing.sign_head(uow, actor, signer, f"close {period}", head.last_seq, head.last_hash)
    return CloseResult(period, closed_at, head.last_hash, head.last_seq, tuple(results),
                       threshold, tuple(recomputed),
                       signer.fingerprint if signer is not None else None)


def close_through(uow: UnitOfWork, actor: Actor, period: str,
                  keys: signing.KeyFolder | None = None) -> list[CloseResult]:
    """Close every open month up to and including ``period``, in order, all or none.

    Raises:
        ZkdError: ``period`` is closed already or has not ended; or any close refuses
            (then none of them is kept: the caller rolls back).
    """
    period = parse_period(period)
    existing = uow.s.get(MonthRow, period)
    if existing is not None:
        raise ZkdError(_("month {period} is closed already; every month up to it is "
                         "too").format(period=period))
    return [close_month(uow, actor, p, keys)
            for p in [*open_periods_before(uow, period), period]]


def _archive_statements(uow: UnitOfWork, actor: Actor, period: str,
                        signer: signing.Signer | None) -> None:
    """Keep the month's statements as the close computes them (see statement_codec), and
    with a signer each one's PDF as signed (rendered from the kept content, then signed).

    One statement at a time: each is computed, encoded and written, then let go before
    the next (the claims register alone can be tens of megabytes); the statement is let
    go once it is a dictionary, and the dictionary once it is text."""
    statements = iter_statements(uow, actor, period)
    # (not `for … in enumerate(map(…))`: enumerate keeps the last item it gave until the next)
    for position in itertools.count(1):
        try:
            data = statement_codec.to_data(next(statements))
        except StopIteration:
            break
        kind, subject = data["kind"], data["subject"]
        content = statement_codec.dumps(data)
        del data
        signed = None
        if signer is not None:
            from zhengkedai.render.pades import sign_pdf  # pyHanko: only when signing
            from zhengkedai.render.pdf import render_pdf

            signed = sign_pdf(render_pdf(decode(content)), signer.key, signer.certificate,
                              reason=f"郑科贷 {period} 月结报表")
        row = StatementArchiveRow(
            period=period, position=position, kind=kind, subject=subject,
            content=content, sha256=sha256_hex(content),
            signed_pdf=signed)
        uow.s.add(row)
        uow.s.flush()
        uow.s.expunge(row)  # written: the session need not hold its content
        del row, content, signed
