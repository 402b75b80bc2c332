"""What still counts: loans and events not withdrawn (撤回).

A loan or event filed by mistake is withdrawn, never deleted: it stays stored,
marked with who withdrew it, when and why (``withdrawn_*`` columns), and every
figure — outstanding and overdue principal, a claim's facts, a statement, the
reserve target, the next file's checks — is computed without it. Every query
that reads loans or events for a figure adds one of these conditions, so the
rule is written once. Withdrawing a loan withdraws each of its events too, so
an event query needs only :data:`LIVE_EVENT`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from .models import LoanEventRow, LoanRow

LIVE_LOAN: ColumnElement[bool] = LoanRow.withdrawn_at.is_(None)
LIVE_EVENT: ColumnElement[bool] = LoanEventRow.withdrawn_at.is_(None)
