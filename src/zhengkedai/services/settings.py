"""Programme settings: a few named values kept in the database, such as the issuing body.

Only the keys listed in :data:`KEYS` exist; each has a description for
``zkd settings show``. A setting records who set it and when.
"""

from __future__ import annotations

from zhengkedai.context import Actor
from zhengkedai.db.models import SettingRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError
from zhengkedai.i18n import N_, _

ISSUER = "issuer"

# key → what it is (translated where shown)
KEYS = {
    ISSUER: N_("the issuing body, printed on every statement and payment notice"),
}
VALUE_MAX = 200


def set_value(uow: UnitOfWork, actor: Actor, key: str, value: str) -> SettingRow:
    """Set ``key`` to ``value``; an unknown key or an empty value is refused."""
    if key not in KEYS:
        raise ZkdError(_("unknown setting {key!r}; the settings are: {keys}").format(
            key=key, keys=", ".join(KEYS)))
    value = value.strip()
    if not value or len(value) > VALUE_MAX:
        raise ZkdError(_("a setting's value is 1 to {limit} characters").format(limit=VALUE_MAX))
    row = uow.s.get(SettingRow, key)
    if row is None:
        row = SettingRow(key=key, value=value, set_at=actor.now(), set_by=actor.operator)
        uow.s.add(row)
    else:
        row.value, row.set_at, row.set_by = value, actor.now(), actor.operator
    uow.s.flush()
    return row


def get(uow: UnitOfWork, key: str) -> str | None:
    row = uow.s.get(SettingRow, key)
    return row.value if row is not None else None


def issuer(uow: UnitOfWork) -> str:
    """The issuing body, or an empty string when none is set."""
    return get(uow, ISSUER) or ""


def all_settings(uow: UnitOfWork) -> list[tuple[str, str | None, SettingRow | None]]:
    """Every known key with its value (None when unset) and its row."""
    out = []
    for key in KEYS:
        row = uow.s.get(SettingRow, key)
        out.append((key, row.value if row else None, row))
    return out
