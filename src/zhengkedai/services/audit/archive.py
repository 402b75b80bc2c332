"""What `zkd verify` checks about the statements kept at each close."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from zhengkedai.db.models import StatementArchiveRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.i18n import _


def check_archive(uow: UnitOfWork) -> list[str]:
    """Each kept statement still has the content its SHA-256 was taken of."""
    return archive_problems(uow)


def archive_problems(uow: UnitOfWork, period: str | None = None) -> list[str]:
    """:func:`check_archive`, for every closed month or for ``period`` only."""
    problems = []
    a = StatementArchiveRow  # the columns checked (not the signed PDFs), a row at a time
    stmt = select(a.period, a.position, a.kind, a.content, a.sha256).order_by(a.period,
                                                                            a.position)
    if period is not None:
        stmt = stmt.where(StatementArchiveRow.period == period)
    for row in uow.s.execute(stmt.execution_options(yield_per=1)):
        if hashlib.sha256(row.content.encode("utf-8")).hexdigest() != row.sha256:
            problems.append(_("statement {period} #{position} ({kind}) was changed after its "
                              "month was closed").format(period=row.period, position=row.position,
                                                         kind=row.kind))
    return problems


