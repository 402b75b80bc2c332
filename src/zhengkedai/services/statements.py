"""The month's five statements (月度报表), computed as data from the ledger.

:func:`build_statements` returns frozen :class:`StatementDoc` objects; rendering
them to PDF, CSV and JSON is ``zhengkedai.render``'s job and writing files the
CLI's. Every figure is as of the month's end: entries dated in the month,
claims and subsidies by their own dates (submitted, approved, paid), loans by
their events up to the last day — so a closed month, which takes no new
entries, gives the same figures (and, with the close time as generation time,
the same bytes) every time.
"""

from __future__ import annotations

from ..context import Actor
from ..db.uow import UnitOfWork
from ..domain.statement import StatementDoc
from .statement_common import month_of
from .statement_institutions import institution_statements
from .statement_ledger import reserve_statement, trial_balance_statement
from .statement_registers import claims_statement, subsidies_statement


def build_statements(uow: UnitOfWork, actor: Actor, period: str, *,
                     institution: str | None = None) -> list[StatementDoc]:
    """All statements of ``period``; with ``institution``, only that institution's."""
    month = month_of(uow, actor, period)
    docs = institution_statements(uow, month, only=institution)
    if institution is not None:
        return docs
    return [
        reserve_statement(uow, month),
        *docs,
        claims_statement(uow, month),
        subsidies_statement(uow, month),
        trial_balance_statement(uow, month),
    ]
