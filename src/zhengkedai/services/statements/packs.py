"""Statement packs: the month's statement files and a manifest that seals them.

Beside the statements, a pack holds the attachments they name: each
institution's full loan list at the month's end (``2025-06_ZZB_loans.csv``),
which its 对账单 sums up rather than lists. They are part of the full set
``verify --pack`` expects for a closed month.

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
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from zhengkedai.context import Actor
from zhengkedai.db.digests import BY_CLASS
from zhengkedai.db.ledger_repo import LedgerRepo, anchor_before, closed_month
from zhengkedai.db.models import LedgerHead, MonthRow, StatementArchiveRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.ledger import GENESIS_HASH
from zhengkedai.domain.periods import first_day
from zhengkedai.domain.statement import StatementDoc
from zhengkedai.i18n import _
from zhengkedai.render.tabular import json_chunks, render_csv
from zhengkedai.services.audit import coverage
from zhengkedai.services.audit.archive import archive_problems
from zhengkedai.services.audit.chain import check_chain, check_chain_since
from zhengkedai.services.statements.build import (
    Planned,
    archived_signed_pdfs,
    statement_plan,
)
from zhengkedai.services.statements.common import month_of
from zhengkedai.services.statements.institutions import loans_attachment_name, stated_codes
from zhengkedai.services.statements.loan_lists import LoanLists

FORMATS = ("pdf", "csv", "json", "xlsx")
MANIFEST_SUFFIX = "_manifest.json"


@dataclass(frozen=True)
class Pack:
    """A pack in memory (tests, ``verify --pack``'s expected files)."""

    period: str
    draft: bool
    files: dict[str, bytes]  # file name -> content, the manifest included

    @property
    def manifest_name(self) -> str:
        return manifest_name(self.period)


@dataclass(frozen=True)
class PackFiles:
    """A pack to be written: each file's content is produced, in chunks, only as it is
    written (:func:`zhengkedai.outputs.write_folder`), in order, inside the unit of work
    that planned it; the manifest, last, from the hashes of what was produced before it."""

    period: str
    draft: bool
    files: dict[str, Iterable[bytes]]

    @property
    def manifest_name(self) -> str:
        return manifest_name(self.period)


def manifest_name(period: str) -> str:
    return f"{period}{MANIFEST_SUFFIX}"


def render(doc: StatementDoc, fmt: str) -> Iterator[bytes]:
    """The statement as a file in ``fmt``, in chunks as it is written (JSON as it is
    encoded: a register of tens of megabytes is never one text)."""
    if fmt == "pdf":
        from zhengkedai.render.pdf import render_pdf  # reportlab: only when a PDF is written

        yield render_pdf(doc)
    elif fmt == "csv":
        yield render_csv(doc)
    elif fmt == "json":
        yield from json_chunks(doc)
    else:
        raise ZkdError(f"unknown format {fmt!r}; expected pdf, csv, json or xlsx")


def workbook_name(period: str, institution: str | None) -> str:
    """``2025-06_statements.xlsx``, or ``2025-06_institution_ZZB.xlsx`` for one institution."""
    return f"{period}_institution_{institution}.xlsx" if institution else \
        f"{period}_statements.xlsx"


def build_pack(uow: UnitOfWork, actor: Actor, period: str, *, fmt: str = "pdf",
               institution: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> Pack:
    """The pack of :func:`pack_files`, every file read into memory."""
    pack = pack_files(uow, actor, period, fmt=fmt, institution=institution, progress=progress)
    return Pack(pack.period, pack.draft,
                {name: b"".join(chunks) for name, chunks in pack.files.items()})


def pack_files(uow: UnitOfWork, actor: Actor, period: str, *, fmt: str = "pdf",
               institution: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> PackFiles:
    """The month's statements in ``fmt`` and the attachments they name, sealed by a
    manifest: the names now, each file's content as it is written.

    A closed month's archive is checked first (nothing is produced if it fails). One
    statement is held at a time, and a loan list streams from the database to the
    file. ``progress(done, total)`` is told after each statement is rendered.
    """
    if fmt not in FORMATS:
        raise ZkdError(f"unknown format {fmt!r}; expected pdf, csv, json or xlsx")
    month = month_of(uow, actor, period)
    if not month.draft:
        problems = closed_month_problems(uow, month.period, whole_chain=False)
        if problems:
            raise ZkdError(_("the statements archived at the close of {period} fail their "
                             "check, so none is written: {problems}").format(
                                 period=month.period, problems="; ".join(problems)))
    # the loan lists are started first, beside the statements (a closed month's plan is
    # what its close kept, read at once; an open month's statements are computed here)
    if month.draft:
        lists = LoanLists(uow, month, stated_codes(uow, institution))
        try:
            plan = statement_plan(uow, actor, period, institution=institution)
        except BaseException:
            lists.close()
            raise
    else:
        plan = statement_plan(uow, actor, period, institution=institution)
        lists = LoanLists(uow, month, [_attached_code(name) for kept in plan
                                       for name in kept.attachments])
    head_seq, head_hash = _chain_head(uow, month.period)
    files: dict[str, Iterable[bytes]] = {}
    if fmt == "xlsx":  # one workbook: the month's (or the institution's), a sheet per table
        def workbook() -> Iterator[bytes]:
            from zhengkedai.render.xlsx import render_xlsx

            yield render_xlsx([kept.load() for kept in plan])
            if progress is not None:
                progress(len(plan), len(plan))
        files[workbook_name(month.period, institution)] = workbook()
    else:
        # a closed month's PDFs are the bytes signed at its close, where it was signed
        signed = (archived_signed_pdfs(uow, month.period) if fmt == "pdf" and not month.draft
                  else {})

        def rendered(done: int, kept: Planned) -> Iterator[bytes]:
            if kept.stem in signed:
                yield signed.pop(kept.stem)
            else:
                yield from render(kept.load(), fmt)
            if progress is not None:
                progress(done, len(plan))
        for done, kept in enumerate(plan, start=1):
            files[f"{kept.stem}.{fmt}"] = rendered(done, kept)
    # what a statement names as its attachment (an institution's full loan list) goes
    # in the pack and its manifest beside it; statements kept before attachments name none
    for kept in plan:
        for name in kept.attachments:
            code = _attached_code(name)
            assert name == loans_attachment_name(month.period, code)
            files[name] = lists.content(code)
    sealed: dict[str, tuple[str, int]] = {}
    files = {name: _sealed(chunks, name, sealed) for name, chunks in files.items()}
    seals = set(files)

    def manifest() -> Iterator[bytes]:
        assert set(sealed) == seals, "the manifest is written after every file it seals"
        doc = {
            "programme": "郑科贷 科技贷款风险补偿资金",
            "period": month.period,
            "draft": month.draft,
            "generated_at": month.generated_at.isoformat(),
            "format": fmt,
            "institution": institution,
            "chain": {"last_seq": head_seq, "head": head_hash,
                      "anchor": f"{head_seq}:{head_hash}"},
            "files": [{"name": name, "sha256": sha, "bytes": size}
                      for name, (sha, size) in sorted(sealed.items())],
        }
        yield (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()
    files[manifest_name(month.period)] = manifest()
    return PackFiles(month.period, month.draft, files)


def _attached_code(name: str) -> str:
    """``ZZB`` of ``2025-06_ZZB_loans.csv``."""
    return name.split("_", 1)[1].rsplit("_", 1)[0]


def _sealed(chunks: Iterable[bytes], name: str, sealed: dict[str, tuple[str, int]]
            ) -> Iterator[bytes]:
    """``chunks`` passed on as they come; once all have, their SHA-256 and size noted."""
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        yield chunk
    sealed[name] = (digest.hexdigest(), size)


def _chain_head(uow: UnitOfWork, period: str) -> tuple[int, str]:
    """The chain head a pack's manifest names: a closed month's close's; for an open
    month, the ledger's head as it stands (``verify --pack`` checks the chain up to it).

    An open month's draft is not sealed: its manifest names the entry the ledger ends
    at, so that ``verify --pack`` can later recompute the chain up to that entry and
    check its hash. Reading the head costs one row; the whole chain is checked by
    ``zkd verify``, and a closed month's statement checks the part its month added.
    """
    closed = closed_month(uow, period)
    if closed is not None:
        return closed.last_seq, closed.chain_head
    head = uow.s.get(LedgerHead, 1)
    assert head is not None
    return head.last_seq, head.last_hash


_HEX64 = re.compile(r"[0-9a-f]{64}")
_PERIOD = re.compile(r"\d{4}-\d{2}")


@dataclass
class PackCheck:
    """What ``verify --pack`` found for one manifest: its month, what matched, what did not."""

    manifest: str
    period: str = ""
    draft: bool = False
    files: int = 0  # statement files that matched (the archive, or the manifest for a draft)
    head_seq: int | None = None
    signatures: str = ""  # what the signature check said, for the summary line
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """``2025-06: 7 files match the archive, …, chain head matches entry #123``."""
        if self.problems:
            return _("{what}: {count} problem(s)").format(what=self.period or self.manifest,
                                                         count=len(self.problems))
        against = _("the manifest (draft: an open month has no archive)") if self.draft else \
            _("the archive")
        parts = [_("{count} files match {against}").format(count=self.files, against=against)]
        if self.signatures:
            parts.append(self.signatures)
        parts.append(_("chain head matches entry #{seq}").format(seq=self.head_seq))
        return f"{self.period}: " + _(", ").join(parts)


def safe_name(name: object) -> bool:
    """A file name a manifest may list: a plain name in the pack's folder, nothing else."""
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name
            and "\\" not in name and "\0" not in name and ":" not in name
            and not name.startswith("."))


def _parse_manifest(file_name: str, data: bytes) -> tuple[dict[str, Any] | None, list[str]]:
    """The manifest, or the reasons it is malformed (then nothing else is checked)."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        return None, [_("not readable as JSON: {reason}").format(reason=exc)]
    if not isinstance(doc, dict):
        return None, [_("not a JSON object")]
    problems = []
    period, fmt, files, chain = (doc.get("period"), doc.get("format"), doc.get("files"),
                                 doc.get("chain"))
    if not isinstance(period, str) or not _PERIOD.fullmatch(period):
        problems.append(_("period {period!r} is not a month YYYY-MM").format(period=period))
    elif file_name != manifest_name(period):
        problems.append(_("its period {period} is not the one its name says").format(
            period=period))
    if fmt not in FORMATS:
        problems.append(_("format {fmt!r} is not pdf, csv, json or xlsx").format(fmt=fmt))
    if not isinstance(doc.get("institution"), str | None):
        problems.append(_("institution is neither a code nor null"))
    if not isinstance(chain, dict) or not isinstance(chain.get("last_seq"), int) or \
            isinstance(chain.get("last_seq"), bool) or chain["last_seq"] < 0 or \
            not isinstance(chain.get("head"), str) or not _HEX64.fullmatch(chain["head"]):
        problems.append(_("chain is not {{last_seq: entry number, head: 64 hex digits}}"))
    if not isinstance(files, list) or not files:
        problems.append(_("lists no files"))
    else:
        seen = set()
        for item in files:
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(item, dict) or not safe_name(name) or \
                    not isinstance(item.get("sha256"), str) or \
                    not _HEX64.fullmatch(item["sha256"]):
                problems.append(_("file entry {item!r} is not {{name: a plain file name in the "
                                  "pack, sha256: 64 hex digits}}").format(item=item))
            elif name in seen:
                problems.append(_("lists {name} twice").format(name=name))
            else:
                seen.add(name)
    return (None if problems else doc), problems


def check_pack(uow: UnitOfWork, actor: Actor, file_name: str, manifest_bytes: bytes,
               read: Callable[[str], bytes | None]) -> PackCheck:
    """One manifest's pack: every file against the manifest and, for a closed month, against
    the statements its close archived (the full set of them), the chain head against the close's.

    ``read(name)`` gives a file of the pack's folder (None when there is none); it is
    only ever called with a plain name (:func:`safe_name`).
    """
    check = PackCheck(file_name)
    doc, check.problems = _parse_manifest(file_name, manifest_bytes)
    if doc is None:
        check.problems = [_("{name}: malformed manifest: {problem}").format(
            name=file_name, problem=p) for p in check.problems]
        return check
    check.period, fmt, institution = doc["period"], doc["format"], doc["institution"]
    listed = {item["name"]: item["sha256"] for item in doc["files"]}
    seq, head = doc["chain"]["last_seq"], doc["chain"]["head"]
    closed = closed_month(uow, check.period)
    check.draft = closed is None
    contents: dict[str, bytes] = {}
    for name, sha in listed.items():
        data = read(name)
        if data is None:
            check.problems.append(_("{name}: listed in the manifest, missing from the pack")
                                  .format(name=name))
            continue
        contents[name] = data
        if hashlib.sha256(data).hexdigest() != sha:
            check.problems.append(_("{name}: content differs from the manifest (SHA-256)")
                                  .format(name=name))
    if closed is None:
        check.files = len(contents) if not check.problems else 0
        check.problems.extend(_head_in_ledger(uow, seq, head))
    else:
        if (seq, head) != (closed.last_seq, closed.chain_head):
            check.problems.append(_(
                "the manifest's chain head (entry #{seq}, {head}…) is not the head "
                "{period} was closed at (entry #{closed_seq}, {closed_head}…)").format(
                seq=seq, head=head[:12], period=check.period, closed_seq=closed.last_seq,
                closed_head=closed.chain_head[:12]))
        archived = closed_month_problems(uow, check.period)
        if archived:
            check.problems.extend(archived)
            check.problems = [f"{file_name}: {p}" for p in check.problems]
            return check
        expected = build_pack(uow, actor, check.period, fmt=fmt, institution=institution).files
        expected.pop(manifest_name(check.period))
        for name in sorted(expected):
            if name not in listed:
                check.problems.append(_("{name}: a statement of {period}, missing from the "
                                        "manifest and so from the pack").format(
                    name=name, period=check.period))
            elif name in contents and contents[name] != expected[name]:
                check.problems.append(_("{name}: differs from the statement archived at the "
                                        "close of {period}").format(name=name,
                                                                    period=check.period))
            elif name in contents:
                check.files += 1
        if fmt == "pdf" and archived_signed_pdfs(uow, check.period):
            unsigned = _signature_problems(uow, contents, expected)
            check.problems.extend(unsigned)
            if not unsigned:
                check.signatures = _("signatures valid")
        for name in sorted(set(listed) - set(expected)):
            check.problems.append((_("{name}: listed in the manifest, but not a statement of "
                                     "{period} for {institution}") if institution else
                                   _("{name}: listed in the manifest, but not a statement of "
                                     "{period}")).format(name=name, period=check.period,
                                                         institution=institution))
    check.head_seq = closed.last_seq if closed is not None else seq
    check.problems = [f"{file_name}: {p}" for p in check.problems]
    return check


def _signature_problems(uow: UnitOfWork, contents: dict[str, bytes],
                        expected: dict[str, bytes]) -> list[str]:
    """Each statement PDF of a signed month carries a valid PAdES signature, whole and
    unchanged, by a certificate the ledger holds (pyHanko's validation)."""
    from zhengkedai.render.pades import check_pdf  # pyHanko: only when checking PDFs
    from zhengkedai.services import signing

    certs = signing.certificates(uow)
    problems = []
    for name in sorted(n for n in contents if n in expected and n.endswith(".pdf")):
        result = check_pdf(contents[name], certs)
        if not result.valid:
            problems.append(_("{name}: signature not valid: {reason}").format(
                name=name, reason=result.reason))
    return problems


def check_folder(uow: UnitOfWork, actor: Actor, names: list[str],
                 read: Callable[[str], bytes | None]) -> tuple[list[PackCheck], list[str]]:
    """Every manifest among ``names`` (a pack folder's files), and the files none lists."""
    manifests = sorted(n for n in names if n.endswith(MANIFEST_SUFFIX))
    if not manifests:
        return [], [_("no *{suffix} among the pack's files").format(suffix=MANIFEST_SUFFIX)]
    checks, listed = [], set(manifests)
    for name in manifests:
        data = read(name)
        check = check_pack(uow, actor, name, data or b"", read)
        checks.append(check)
        try:
            listed |= {item["name"] for item in json.loads(data or b"")["files"]
                       if isinstance(item, dict) and isinstance(item.get("name"), str)}
        except (ValueError, KeyError, TypeError):
            pass
    extra = [_("{name}: in the pack, but no manifest lists it").format(name=name)
             for name in sorted(names) if name not in listed]
    return checks, extra


def closed_month_problems(uow: UnitOfWork, period: str, *, whole_chain: bool = True
                          ) -> list[str]:
    """What is wrong with a closed month's archive: its statements changed since the close
    (their SHA-256 or their record digests), or its close's head no longer in the chain.

    ``whole_chain``: the chain is recomputed from its start up to the close's head
    (``verify --pack``); otherwise (writing the statements) only the entries the month
    added, from the head of the close before it — see :func:`_month_in_chain`.
    """
    closed = closed_month(uow, period)
    if closed is None:
        return []
    problems = archive_problems(uow, period)
    problems += coverage.check_rows(uow, BY_CLASS[StatementArchiveRow],
                                    StatementArchiveRow.period == period)
    problems += coverage.check_rows(uow, BY_CLASS[MonthRow], MonthRow.period == period)
    if whole_chain:
        problems += _head_in_ledger(uow, closed.last_seq, closed.chain_head)
    else:
        problems += _month_in_chain(uow, closed)
    return problems


def _head_in_ledger(uow: UnitOfWork, seq: int, head: str) -> list[str]:
    """The chain head is entry ``seq``'s hash, in a ledger whose chain verifies up to it."""
    problems = []
    if seq == 0:
        if head != GENESIS_HASH:
            problems.append(_("the manifest's chain head does not match an empty ledger"))
    else:
        try:
            entry = LedgerRepo(uow).entry(seq)
        except ZkdError:
            problems.append(_("the ledger has no entry #{seq}, which the manifest's chain head "
                              "names").format(seq=seq))
        else:
            if entry.hash != head:
                problems.append(_("the hash of ledger entry #{seq} differs from the manifest's "
                                  "chain head").format(seq=seq))
    report = check_chain(uow, upto_seq=seq)
    problems.extend(_("ledger: {problem}").format(problem=p) for p in report.problems)
    return problems


def _month_in_chain(uow: UnitOfWork, closed: MonthRow) -> list[str]:
    """The entries a closed month added to the chain still link the close before it to
    this close (:func:`.chain.check_chain_since`), ending at this close's head.

    What writing a closed month's statements checks of the chain, in proportion to the
    month: the part before the earlier close is the earlier months' (each month's
    statements check their own part), and ``zkd verify`` and ``verify --pack`` recompute
    the chain from its start. Both heads are kept in the months table under a record
    digest (and signed at the close, when the ledger has a key).
    """
    report = check_chain_since(uow, after=anchor_before(uow, closed.period),
                               since=first_day(closed.period), upto_seq=closed.last_seq)
    problems = list(report.problems)
    if (report.head_seq, report.head_hash) != (closed.last_seq, closed.chain_head):
        problems.append(f"ledger entry #{closed.last_seq} hash differs from the head of the "
                        f"close of {closed.period}")
    return [f"ledger: {p}" for p in problems]
