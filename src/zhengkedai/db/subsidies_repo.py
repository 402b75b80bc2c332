"""The stored subsidy applications: read into :class:`~zhengkedai.domain.subsidies.Subsidy`,
written back.

:meth:`SubsidiesRepo.get` reads an application for a move; by default under
the ledger lock and afresh (the lock first, so a concurrent approval,
rejection or payment has committed and its status, and the cap's other
grants, are read as it left them). :meth:`~SubsidiesRepo.save` writes the
marks of the review (status, dates, who decided, reason, entries) back onto
the row, through the session, so the record digests (``db.digests``) note the
write at commit. Filing an application (its computed amount and trace) is
``services.subsidies.applications``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import or_, select

from ..domain.subsidies import Subsidy
from ..domain.workflow import Status
from ..i18n import _
from .models import SubsidyRow
from .work import Work, read_row, write_changed


def to_subsidy(row: SubsidyRow) -> Subsidy:
    """The domain subsidy a stored row describes."""
    return Subsidy(
        id=row.id, kind=row.kind, beneficiary=row.beneficiary, basis=row.basis_fen,
        investee=row.investee, period=row.period_year, reference=row.reference,
        amount=row.amount_fen, status=Status(row.status), policy_name=row.policy_name,
        policy_version=row.policy_version, trace=tuple(json.loads(row.trace)),
        submitted_on=row.submitted_on, approved_on=row.approved_on, paid_on=row.paid_on,
        rejected_on=row.rejected_on, rejected_reason=row.rejected_reason,
        decided_by=row.decided_by, file_id=row.file_id, file_row=row.file_row,
        approve_entry=row.approve_entry, pay_entry=row.pay_entry, reject_entry=row.reject_entry,
    )


class SubsidiesRepo:
    def __init__(self, uow: Work) -> None:
        self.uow = uow

    def row(self, subsidy_id: int, *, lock: bool = False) -> SubsidyRow:
        """The stored row, for readers that show more than the review needs.

        With ``lock``, the ledger lock is taken first and the row read afresh.

        Raises:
            NotFound: no subsidy ``subsidy_id``.
        """
        row: SubsidyRow = read_row(self.uow, SubsidyRow, subsidy_id, lock=lock,
                              missing=_("no subsidy #{id}; see `zkd subsidies list`").format(id=subsidy_id))
        return row

    def get(self, subsidy_id: int, *, lock: bool = True) -> Subsidy:
        """Subsidy ``subsidy_id``; by default read afresh under the ledger lock, for a move.

        Raises:
            NotFound: no subsidy ``subsidy_id``.
        """
        return to_subsidy(self.row(subsidy_id, lock=lock))

    def find(self, *, status: str | None = None, kind: str | None = None,
             year: int | None = None) -> list[Subsidy]:
        """Applications in id order, filtered by status, kind and the year they are for."""
        stmt = select(SubsidyRow).order_by(SubsidyRow.id)
        if status is not None:
            stmt = stmt.where(SubsidyRow.status == status)
        if kind is not None:
            stmt = stmt.where(SubsidyRow.kind == kind)
        if year is not None:
            stmt = stmt.where(SubsidyRow.period_year == year)
        return [to_subsidy(r) for r in self.uow.s.execute(stmt).scalars()]

    def moved_between(self, first: dt.date, last: dt.date) -> list[Subsidy]:
        """Applications submitted, approved, paid or rejected between ``first`` and ``last``
        (inclusive), in id order."""
        def within(column: Any) -> Any:
            return column.between(first, last)

        stmt = select(SubsidyRow).where(or_(
            within(SubsidyRow.submitted_on), within(SubsidyRow.approved_on),
            within(SubsidyRow.paid_on), within(SubsidyRow.rejected_on))).order_by(SubsidyRow.id)
        return [to_subsidy(r) for r in self.uow.s.execute(stmt).scalars()]

    def save(self, subsidy: Subsidy) -> None:
        """Write the subsidy's review (status, dates, decider, reason, entries) to its row;
        flushed."""
        row = self.row(subsidy.id)
        values = {"status": subsidy.status.value, "approved_on": subsidy.approved_on,
                  "paid_on": subsidy.paid_on, "rejected_on": subsidy.rejected_on,
                  "rejected_reason": subsidy.rejected_reason, "decided_by": subsidy.decided_by,
                  "approve_entry": subsidy.approve_entry, "pay_entry": subsidy.pay_entry,
                  "reject_entry": subsidy.reject_entry}
        write_changed(self.uow, row, values)
