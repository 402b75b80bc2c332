"""Statement packs: the month's statement files and a manifest that seals them.

A pack is the set of files one ``zkd statement`` run writes, plus
``<period>_manifest.json`` listing each file's SHA-256 and the ledger's chain
head (the close's, for a closed month). ``zkd verify --pack DIR`` recomputes
the hashes and checks that the chain head is still the hash of that entry in
a ledger whose chain verifies: a changed byte, a missing file or a rewritten
ledger shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from ..context import Actor
from ..db.ledger_repo import LedgerRepo
from ..db.uow import UnitOfWork
from ..domain.errors import ZkdError
from ..domain.ledger import GENESIS_HASH
from ..domain.statement import StatementDoc
from ..render.tabular import render_csv, render_json
from . import verify as verify_service
from .closing import closed_month
from .statement_common import month_of
from .statements import build_statements

FORMATS = ("pdf", "csv", "json")


@dataclass(frozen=True)
class Pack:
    period: str
    draft: bool
    files: dict[str, bytes]  # file name -> content, the manifest included

    @property
    def manifest_name(self) -> str:
        return manifest_name(self.period)


def manifest_name(period: str) -> str:
    return f"{period}_manifest.json"


def render(doc: StatementDoc, fmt: str) -> bytes:
    if fmt == "pdf":
        from ..render.pdf import render_pdf  # reportlab: only when a PDF is written

        return render_pdf(doc)
    if fmt == "csv":
        return render_csv(doc)
    if fmt == "json":
        return render_json(doc)
    raise ZkdError(f"unknown format {fmt!r}; expected pdf, csv or json")


def build_pack(uow: UnitOfWork, actor: Actor, period: str, *, fmt: str = "pdf",
               institution: str | None = None) -> Pack:
    """Render the month's statements in ``fmt`` and seal them with a manifest."""
    if fmt not in FORMATS:
        raise ZkdError(f"unknown format {fmt!r}; expected pdf, csv or json")
    month = month_of(uow, actor, period)
    docs = build_statements(uow, actor, period, institution=institution)
    files = {f"{doc.file_stem}.{fmt}": render(doc, fmt) for doc in docs}
    closed = closed_month(uow, month.period)
    if closed is not None:
        head_seq, head_hash = closed.last_seq, closed.chain_head
    else:
        report = verify_service.verify(uow)
        head_seq, head_hash = report.entries, report.head_hash
    manifest = {
        "programme": "郑科贷 科技贷款风险补偿资金",
        "period": month.period,
        "draft": month.draft,
        "generated_at": month.generated_at.isoformat(),
        "format": fmt,
        "institution": institution,
        "chain": {"last_seq": head_seq, "head": head_hash},
        "files": [{"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for name, data in sorted(files.items())],
    }
    files[manifest_name(month.period)] = (
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    return Pack(month.period, month.draft, files)


class ManifestUnreadable(ValueError):
    """A manifest that is not what ``zkd statement`` writes; ``str(exc)`` says why."""


def read_manifest(manifest_bytes: bytes) -> tuple[list[tuple[str, str]], int, str]:
    """``([(file name, sha256)], chain last_seq, chain head)`` of a manifest.

    A file name is a plain name in the pack's folder: no folder part, no
    ``..``, not absolute, so checking a pack reads nothing outside it.

    Raises:
        ManifestUnreadable: not JSON, a missing or mistyped field, or an unsafe name.
    """
    try:
        manifest = json.loads(manifest_bytes)
    except (ValueError, RecursionError) as exc:
        raise ManifestUnreadable(f"not JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise ManifestUnreadable("not a JSON object")
    listed, chain = manifest.get("files"), manifest.get("chain")
    if not isinstance(listed, list) or not isinstance(chain, dict):
        raise ManifestUnreadable("no 'files' list or 'chain' object")
    files: list[tuple[str, str]] = []
    for item in listed:
        name = item.get("name") if isinstance(item, dict) else None
        sha = item.get("sha256") if isinstance(item, dict) else None
        if not isinstance(name, str) or not isinstance(sha, str):
            raise ManifestUnreadable("a 'files' item without a name and sha256")
        if (not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name
                or name != name.strip()):
            raise ManifestUnreadable(f"{name!r} is not a file name inside the pack; "
                                     "nothing outside the pack is read")
        files.append((name, sha))
    seq, head = chain.get("last_seq"), chain.get("head")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not isinstance(head, str):
        raise ManifestUnreadable("the chain head needs a last_seq number and a head hash")
    return files, seq, head


def check_pack(uow: UnitOfWork, manifest_bytes: bytes, files: Mapping[str, bytes | None]
               ) -> list[str]:
    """Problems with a pack: files changed or missing, a chain head the ledger no longer has."""
    try:
        listed, seq, head = read_manifest(manifest_bytes)
    except ManifestUnreadable as exc:
        return [f"manifest is not readable: {exc}"]
    problems = []
    for name, sha in listed:
        data = files.get(name)
        if data is None:
            problems.append(f"{name}: missing")
        elif hashlib.sha256(data).hexdigest() != sha:
            problems.append(f"{name}: content differs from the manifest (SHA-256)")
    if seq == 0:
        if head != GENESIS_HASH:
            problems.append("manifest chain head does not match an empty ledger")
    else:
        try:
            entry = LedgerRepo(uow).entry(seq)
        except ZkdError:
            problems.append(f"ledger has no entry #{seq}, which the manifest's chain head names")
        else:
            if entry.hash != head:
                problems.append(f"ledger entry #{seq} hash differs from the manifest's chain head")
    report = verify_service.verify(uow, upto_seq=seq)
    problems.extend(f"ledger: {p}" for p in report.problems)
    return problems
