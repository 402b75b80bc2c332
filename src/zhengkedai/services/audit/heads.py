"""What `zkd verify` checks of the signed chain heads (at each close and by `zkd seal`).

A signed head is (entry number, hash) signed with the programme's key, which
is not in the database. Each one must:

- carry a signature that the ledger's certificate of that fingerprint verifies
  over its own fields (:func:`zhengkedai.services.signing.head_message`);
- still be in the chain: the entry it names exists and has that hash. A history
  rewritten with every hash recomputed changes the hash; dropping the last
  entries (the chain ending before the last signed head) loses the entry.

The head may move past the last signed head (entries posted since); but an
entry after it that was posted *before* it was signed cannot be: the seal took
the ledger's lock, so such an entry was slipped in behind it. And a month
whose close signed its statements has its close's signed head.
"""

from __future__ import annotations

from sqlalchemy import select

from zhengkedai.db.models import EntryRow, SignedHeadRow, StatementArchiveRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.ledger import GENESIS_HASH
from zhengkedai.i18n import _
from zhengkedai.services import signing


def check_signed_heads(uow: UnitOfWork) -> list[str]:
    """Every signed head: its signature, and the chain still passing through it."""
    problems: list[str] = []
    certs = signing.certificates(uow)
    heads = list(uow.s.execute(select(SignedHeadRow).order_by(SignedHeadRow.id)).scalars())
    hashes = {seq: h for seq, h in uow.s.execute(select(EntryRow.seq, EntryRow.hash).where(
        EntryRow.seq.in_({h.seq for h in heads}))).all()}
    hashes[0] = GENESIS_HASH
    for head in heads:
        name = _("signed head ({occasion}, entry #{seq} {hash}…)").format(
            occasion=head.occasion, seq=head.seq, hash=head.head_hash[:12])
        cert = certs.get(head.certificate)
        if cert is None:
            problems.append(_("{name}: signed with certificate {cert}, which the ledger does "
                              "not hold").format(name=name, cert=head.certificate[:16]))
        elif not signing.signature_holds(cert, head):
            problems.append(_("{name}: its signature does not verify with certificate {cert}: "
                              "it was not made by the programme's key").format(
                name=name, cert=head.certificate[:16]))
        now = hashes.get(head.seq)
        if now is None:
            problems.append(_("{name}: the journal has no entry #{seq}: entries signed "
                              "for were dropped").format(name=name, seq=head.seq))
        elif now != head.head_hash:
            problems.append(_("{name}: entry #{seq}'s hash is now {now}…: the history up to it "
                              "was rewritten").format(name=name, seq=head.seq, now=now[:12]))
    if heads:
        last = max(heads, key=lambda h: (h.seq, h.signed_at))
        slipped = uow.s.execute(select(EntryRow.seq, EntryRow.created_at).where(
            EntryRow.seq > last.seq, EntryRow.created_at < last.signed_at)
            .order_by(EntryRow.seq).limit(1)).first()
        if slipped is not None:
            problems.append(_("entry #{seq} comes after the head signed at entry #{head} "
                              "({occasion}, {signed_at} UTC), but says it was posted before "
                              "that, at {created_at} UTC: it was slipped in after the "
                              "seal").format(
                seq=slipped.seq, head=last.seq, occasion=last.occasion,
                signed_at=f"{last.signed_at:%Y-%m-%d %H:%M}",
                created_at=f"{slipped.created_at:%Y-%m-%d %H:%M}"))
    signed_closes = {h.occasion for h in heads}
    for period in uow.s.execute(select(StatementArchiveRow.period).where(
            StatementArchiveRow.signed_pdf.is_not(None)).distinct()
            .order_by(StatementArchiveRow.period)).scalars():
        if f"close {period}" not in signed_closes:
            problems.append(_("month {period}: its statements were signed at its close, but "
                              "the close's signed chain head is gone").format(period=period))
    return problems
