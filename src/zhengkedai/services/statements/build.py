"""The month's five statements (月度报表), computed as data from the ledger.

:func:`build_statements` returns frozen :class:`StatementDoc` objects; rendering
them to PDF, CSV and JSON is ``zhengkedai.render``'s job and writing files the
CLI's. Every figure is as of the month's end: entries dated in the month,
claims and subsidies by their own dates (submitted, approved, paid), loans by
their events up to the last day.

A month's close keeps its statements as computed then (``statement_archive``,
see :mod:`..domain.statement_codec`); a closed month's statements are those,
so they are the same bytes whenever they are generated, even after later
months lower a claim or reject a subsidy. ``zkd verify`` checks that none of
the kept statements has changed since.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.models import StatementArchiveRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound
from zhengkedai.domain.statement import StatementDoc, file_stem
from zhengkedai.domain.statement_codec import decode
from zhengkedai.i18n import _
from zhengkedai.services import people, settings
from zhengkedai.services.statements.common import month_end, month_of
from zhengkedai.services.statements.institutions import institution_statements
from zhengkedai.services.statements.ledger import reserve_statement, trial_balance_statement
from zhengkedai.services.statements.registers import claims_statement, subsidies_statement


def build_statements(uow: UnitOfWork, actor: Actor, period: str, *,
                     institution: str | None = None) -> list[StatementDoc]:
    """All statements of ``period``; with ``institution``, only that institution's.

    A closed month's come from what its close kept; an open month's are computed now.
    """
    return [kept.load() for kept in statement_plan(uow, actor, period, institution=institution)]


@dataclass(frozen=True)
class Planned:
    """A statement of the month, by name, before it is needed: its file stem, the
    attachments it names, and how to get it (a kept statement is read and decoded
    only then, so a pack holds one statement at a time)."""

    stem: str
    attachments: tuple[str, ...]
    load: Callable[[], StatementDoc]


def statement_plan(uow: UnitOfWork, actor: Actor, period: str, *,
                   institution: str | None = None) -> list[Planned]:
    """The statements :func:`build_statements` gives, in order, each loaded on demand."""
    month = month_of(uow, actor, period)
    if not month.draft:
        archived = _archived_plan(uow, month.period, institution)
        if archived:
            return archived
    return [Planned(d.file_stem, d.attachments, _constant(d))
            for d in iter_statements(uow, actor, period, institution=institution)]


def iter_statements(uow: UnitOfWork, actor: Actor, period: str, *,
                    institution: str | None = None) -> Iterator[StatementDoc]:
    """The statements of ``period`` as computed now (not what a close kept), one at a
    time: the month's close keeps each as it comes."""
    month = month_of(uow, actor, period)
    # the loans at the month's end, once for all statements: totals by SQL aggregates,
    # and the loans disbursed in the month (a guarantor's statement lists the loans it
    # began to guarantee, filed by others)
    end = month_end(uow, month)
    issued = _issuer(uow, actor)
    if institution is None:
        yield issued(reserve_statement(uow, month, end))
    for doc in institution_statements(uow, month, end, only=institution):
        yield issued(doc)
    del end  # the month's new loans: let go before the registers are computed
    if institution is None:
        yield issued(claims_statement(uow, month))
        yield issued(subsidies_statement(uow, month))
        yield issued(trial_balance_statement(uow, month))


def _constant(doc: StatementDoc) -> Callable[[], StatementDoc]:
    return lambda: doc


def _issuer(uow: UnitOfWork, actor: Actor) -> Callable[[StatementDoc], StatementDoc]:
    """A statement with its 编制 line (who computed it) and the issuing body
    (``zkd settings set issuer``), when one is set."""
    issuer = settings.issuer(uow) or None

    def issued(doc: StatementDoc) -> StatementDoc:
        [doc] = people.prepared_by(uow, actor, [doc])
        return dataclasses.replace(doc, issuer=issuer) if issuer else doc
    return issued


def _archived_plan(uow: UnitOfWork, period: str, institution: str | None) -> list[Planned]:
    """The statements the close of ``period`` kept (only ``institution``'s, if given);
    [] for a month closed without any. An institution's statement is decoded now, for
    the attachments it names (it is a page or two); the others when loaded."""
    rows = uow.s.execute(select(StatementArchiveRow.position, StatementArchiveRow.kind,
                                StatementArchiveRow.subject)
                         .where(StatementArchiveRow.period == period)
                         .order_by(StatementArchiveRow.position)).all()
    if not rows:
        return []
    plan = []
    for position, kind, subject in rows:
        if institution is not None and (kind != "institution" or subject != institution):
            continue
        if subject is not None:
            doc = _kept(uow, period, position)
            plan.append(Planned(doc.file_stem, doc.attachments, _constant(doc)))
        else:
            plan.append(Planned(file_stem(period, kind, subject), (),
                                functools.partial(_kept, uow, period, position)))
    if institution is not None and not plan:
        raise NotFound(_("no statement for institution {institution!r} in {period}").format(
            institution=institution, period=period))
    return plan


def _kept(uow: UnitOfWork, period: str, position: int) -> StatementDoc:
    return decode(uow.s.execute(select(StatementArchiveRow.content).where(
        StatementArchiveRow.period == period, StatementArchiveRow.position == position)
    ).scalar_one())


def archived_statements(uow: UnitOfWork, period: str) -> list[StatementDoc]:
    """The statements the close of ``period`` kept, in order; [] for an open month."""
    return [kept.load() for kept in _archived_plan(uow, period, None)]


def archived_signed_pdfs(uow: UnitOfWork, period: str) -> dict[str, bytes]:
    """The signed PDFs the close of ``period`` kept, by file stem; {} for an open month or
    a month closed without a signing key."""
    rows = uow.s.execute(select(StatementArchiveRow.kind, StatementArchiveRow.subject,
                                StatementArchiveRow.signed_pdf)
                         .where(StatementArchiveRow.period == period,
                                StatementArchiveRow.signed_pdf.is_not(None))).all()
    return {file_stem(period, kind, subject): bytes(pdf) for kind, subject, pdf in rows}
