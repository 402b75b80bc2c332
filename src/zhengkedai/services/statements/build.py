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

from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.models import StatementArchiveRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound
from zhengkedai.domain.statement import StatementDoc
from zhengkedai.domain.statement_codec import decode
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
    month = month_of(uow, actor, period)
    if not month.draft:
        archived = archived_statements(uow, month.period)
        if archived:
            if institution is None:
                return archived
            mine = [d for d in archived if d.kind == "institution" and d.subject == institution]
            if not mine:
                raise NotFound(f"no statement for institution {institution!r} in {month.period}")
            return mine
    # the loans at the month's end, once for all statements: totals by SQL aggregates,
    # and the loans disbursed in the month (a guarantor's statement lists the loans it
    # began to guarantee, filed by others)
    end = month_end(uow, month)
    docs = institution_statements(uow, month, end, only=institution)
    if institution is None:
        docs = [reserve_statement(uow, month, end), *docs, claims_statement(uow, month),
                subsidies_statement(uow, month), trial_balance_statement(uow, month)]
    return _issued(uow, people.prepared_by(uow, actor, docs))


def _issued(uow: UnitOfWork, docs: list[StatementDoc]) -> list[StatementDoc]:
    """The statements naming the issuing body (``zkd settings set issuer``), when one is set."""
    issuer = settings.issuer(uow) or None
    return [dataclasses.replace(d, issuer=issuer) for d in docs] if issuer else docs


def archived_statements(uow: UnitOfWork, period: str) -> list[StatementDoc]:
    """The statements the close of ``period`` kept, in order; [] for an open month."""
    rows = uow.s.execute(select(StatementArchiveRow).where(StatementArchiveRow.period == period)
                         .order_by(StatementArchiveRow.position)).scalars()
    return [decode(row.content) for row in rows]


def archived_signed_pdfs(uow: UnitOfWork, period: str) -> dict[str, bytes]:
    """The signed PDFs the close of ``period`` kept, by file stem; {} for an open month or
    a month closed without a signing key."""
    rows = uow.s.execute(select(StatementArchiveRow.content, StatementArchiveRow.signed_pdf)
                         .where(StatementArchiveRow.period == period,
                                StatementArchiveRow.signed_pdf.is_not(None))).all()
    return {decode(content).file_stem: bytes(pdf) for content, pdf in rows}
