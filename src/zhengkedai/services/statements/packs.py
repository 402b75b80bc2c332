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

from zhengkedai.context import Actor
from zhengkedai.db import access
from zhengkedai.db.ledger_repo import LedgerRepo, closed_month
from zhengkedai.db.models import LedgerHead
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.ledger import GENESIS_HASH
from zhengkedai.domain.statement import StatementDoc
from zhengkedai.render.tabular import render_csv, render_json
from zhengkedai.services.audit import verify as verify_service
from zhengkedai.services.audit.chain import check_chain
from zhengkedai.services.statements.build import build_statements
from zhengkedai.services.statements.common import month_of

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
        from zhengkedai.render.pdf import render_pdf  # reportlab: only when a PDF is written

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
    elif not access.sees_whole_journal(uow.s.connection()):
        # a bank login sees only its own entries (SPEC 10): it cannot recompute
        # the chain, so its draft names the head the ledger holds
        head = uow.s.get(LedgerHead, 1)
        assert head is not None
        head_seq, head_hash = head.last_seq, head.last_hash
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


def check_pack(uow: UnitOfWork, manifest_bytes: bytes, files: Mapping[str, bytes | None]
               ) -> list[str]:
    """Problems with a pack: files changed or missing, a chain head the ledger no longer has."""
    try:
        manifest = json.loads(manifest_bytes)
        listed = manifest["files"]
        chain = manifest["chain"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"manifest is not readable: {exc}"]
    problems = []
    for item in listed:
        data = files.get(item["name"])
        if data is None:
            problems.append(f"{item['name']}: missing")
        elif hashlib.sha256(data).hexdigest() != item["sha256"]:
            problems.append(f"{item['name']}: content differs from the manifest (SHA-256)")
    seq, head = int(chain["last_seq"]), str(chain["head"])
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
    report = check_chain(uow, upto_seq=seq)
    problems.extend(f"ledger: {p}" for p in report.problems)
    return problems
