"""What PostgreSQL's own refusals mean, said in the reader's language.

On PostgreSQL the database itself guards what zkd also checks (SPEC 10): zkd's
triggers (maker-checker, a decision recorded under another's name, an accepted
file changed, a row signed as someone else), the grants (no login may change
the journal, accepted files or archived statements) and row-level security (a
bank's rows are its own). zkd refuses all of these before it writes; the
database's refusal is the guard behind it, and a user meets it only when the
two disagree (two sessions at once, a ledger whose rights were set by hand).

The server's messages are English, for whoever reads its log (the triggers'
texts are in :mod:`zhengkedai.db.access`); :func:`explain` reads one back into
the catalogue's words, so a ``zkd`` user sees one line in their own language.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..i18n import N_, _
from . import access

_WHAT = {"claims": N_("claim #{id}"), "subsidies": N_("subsidy #{id}")}


def _what(table: str, row_id: str) -> str:
    """``补偿申请 #3`` for a row of claims; another table's row by its table's name."""
    return _(_WHAT[table]).format(id=row_id) if table in _WHAT else f"{table} #{row_id}"


def _pattern(raised: str) -> re.Pattern[str]:
    """The message a trigger raises with ``raised`` (``%`` for each value), as a pattern."""
    return re.compile(re.escape(raised).replace("%", "(.+?)") + r"\Z")


# each refusal the server gives: its pattern, and how to say it from the values it holds
_SAYINGS: tuple[tuple[re.Pattern[str], Callable[..., str]], ...] = (
    (_pattern(access.PAY_OWN), lambda login, table, row_id: _(
        "{payer} approved {what} and may not pay it (approval and payment are made by "
        "different people)").format(payer=login, what=_what(table, row_id))),
    (_pattern(access.PAY_NOT_APPROVER), lambda login, table, row_id: _(
        "{login} is not an approving officer and may not pay {what}").format(
            login=login, what=_what(table, row_id))),
    (_pattern(access.RECORD_OTHER), lambda login, other, table, row_id: _(
        "{login} may not record {other} as the one who decided {what}").format(
            login=login, other=other, what=_what(table, row_id))),
    (_pattern(access.FILE_CHANGED), lambda file_id, rows: _(
        "file #{id} was accepted with {rows} rows; it cannot be changed").format(
            id=file_id, rows=rows)),
    (_pattern(access.SIGN_OTHER), lambda login, table, other: _(
        "{login} may not write a row of {table} in the name of {other}").format(
            login=login, table=table, other=other)),
    (re.compile(r"permission denied for (?:\w+ )?(.+?)\Z"), lambda thing: _(
        "this login has no right to make that change to {thing}").format(thing=thing)),
    (re.compile(r'new row violates row-level security policy.* for table "(.+?)"\Z'),
     lambda table: _("the row of {table} is another institution's").format(table=table)),
)


def explain(detail: str) -> str | None:
    """The refusal in the server's message ``detail`` (its first line) in the reader's
    words, saying the database refused it; None for a message that is not a refusal."""
    first = detail.strip().splitlines()[0] if detail.strip() else ""
    for pattern, say in _SAYINGS:
        found = pattern.match(first)
        if found:
            return _("the database refused it: {reason}").format(reason=say(*found.groups()))
    return None
