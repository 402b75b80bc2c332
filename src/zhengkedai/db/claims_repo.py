"""The stored claims: read into :class:`~zhengkedai.domain.claims.Claim`, written back.

:meth:`ClaimsRepo.get` reads a claim for a move; by default under the ledger
lock and afresh (the lock first, so a writer that changed the claim meanwhile
has committed and its status and amount are read as it left them, not as
this session's identity map kept them). :meth:`~ClaimsRepo.save` writes the
marks of the review (status, dates, who decided, reason, entries) back onto
the row, through the session, so the record digests (``db.digests``) note the
write at commit. The figures a claim is computed with (loss, recoveries,
amount, trace) are written by the claim computation, not here.
"""

from __future__ import annotations

from sqlalchemy import select

from ..domain.claims import Claim
from ..domain.workflow import Status
from ..i18n import _
from .models import ClaimRow
from .work import Work, read_row, write_changed


def to_claim(row: ClaimRow) -> Claim:
    """The domain claim a stored row describes."""
    return Claim(
        id=row.id, loan_id=row.loan_id, loss_event_id=row.loss_event_id,
        institution=row.institution_code, loss=row.loss_fen,
        recovered_before=row.recovered_before_fen, amount=row.amount_fen,
        status=Status(row.status), submitted_on=row.submitted_on, approved_on=row.approved_on,
        paid_on=row.paid_on, rejected_reason=row.rejected_reason, decided_by=row.decided_by,
        approve_entry=row.approve_entry, pay_entry=row.pay_entry,
    )


class ClaimsRepo:
    def __init__(self, uow: Work) -> None:
        self.uow = uow

    def row(self, claim_id: int, *, lock: bool = False) -> ClaimRow:
        """The stored row, for readers that show more than the review needs.

        With ``lock``, the ledger lock is taken first and the row read afresh.

        Raises:
            NotFound: no claim ``claim_id``.
        """
        row: ClaimRow = read_row(self.uow, ClaimRow, claim_id, lock=lock,
                              missing=_("no claim #{id}; see `zkd claims list`").format(id=claim_id))
        return row

    def get(self, claim_id: int, *, lock: bool = True) -> Claim:
        """Claim ``claim_id``; by default read afresh under the ledger lock, for a move.

        Raises:
            NotFound: no claim ``claim_id``.
        """
        return to_claim(self.row(claim_id, lock=lock))

    def find(self, *, status: str | None = None, institution: str | None = None
             ) -> list[Claim]:
        """The claims in ``status`` (of ``institution``), oldest first, for a batch."""
        stmt = select(ClaimRow).order_by(ClaimRow.id)
        if status is not None:
            stmt = stmt.where(ClaimRow.status == status)
        if institution is not None:
            stmt = stmt.where(ClaimRow.institution_code == institution)
        return [to_claim(r) for r in self.uow.s.execute(stmt).scalars()]

    def save(self, claim: Claim) -> None:
        """Write the claim's review (status, dates, decider, reason, entries) to its row; flushed."""
        row = self.row(claim.id)
        values = {"status": claim.status.value, "approved_on": claim.approved_on,
                  "paid_on": claim.paid_on, "rejected_reason": claim.rejected_reason,
                  "decided_by": claim.decided_by, "approve_entry": claim.approve_entry,
                  "pay_entry": claim.pay_entry}
        write_changed(self.uow, row, values)
