"""Re-checking the books (`zkd verify`): what an auditor runs.

The journal's own checks first (:mod:`.chain`), then every check of the records
against the journal and the rules, in the order of :data:`CHECKS`: one explicit
list, which nothing adds to at import time. Each check returns the problems it
found; the report holds them all and the CLI exits 1 naming the first.
"""

from __future__ import annotations

from collections.abc import Callable

from zhengkedai.db.uow import UnitOfWork
from zhengkedai.services.audit import archive, beside, books, caps, claims, coverage, heads, records
from zhengkedai.services.audit.beside import Check
from zhengkedai.services.audit.chain import VerifyReport, check_chain

CHECKS: tuple[Check, ...] = (
    heads.check_signed_heads,  # signed chain heads: their signatures, still in the chain
    claims.check_claims,  # losses, per-loan and yearly caps, shares, approval entries
    claims.check_claim_amounts,  # each claim recomputed from its stored policy and inputs
    caps.check_fees,  # the yearly management-fee limit
    archive.check_archive,  # statements kept at each close
    caps.check_caps,  # subsidies within each beneficiary's yearly cap
    books.check_loans,  # each loan's events replayed; losses matched with claims
    books.check_months,  # closed months against the journal and each other
    books.check_files,  # every filed row cites a file of its kind and filer
    records.check_claim_entries,  # claims' status against the entries that cite them
    records.check_subsidy_entries,  # subsidies' status and amounts against their entries
    coverage.check_records,  # every stored record against the digest zkd recorded for it
)


# The database's own work, and about half of verify's at scale (the digest of every
# record: 1.3 million at XL): run beside the rest, in a second process, where it can be.
BESIDE: tuple[Check, ...] = (coverage.check_records,)


def verify(uow: UnitOfWork, progress: Callable[[int, int], None] | None = None, *,
           two_processes: bool = False) -> VerifyReport:
    """The whole ledger: the chain, then every check in :data:`CHECKS`.

    ``progress(done, total)`` is told after the chain and after each check.
    ``two_processes``: the checks in :data:`BESIDE` run in a second process while
    this one runs the others (:mod:`.beside`; the same report, in the same order).
    """
    total = 1 + len(CHECKS)
    aside = beside.start(uow, BESIDE) if two_processes else None
    found: dict[Check, list[str]] = {}
    try:
        report = check_chain(uow)
        done = 1
        if progress is not None:
            progress(done, total)
        for check in CHECKS:
            if aside is not None and check in BESIDE:
                continue
            found[check] = check(uow)
            done += 1
            if progress is not None:
                progress(done, total)
        if aside is not None:
            found.update(zip(BESIDE, aside.problems(), strict=True))
            if progress is not None:
                progress(total, total)
    except BaseException:
        if aside is not None:
            aside.abandon()
        raise
    for check in CHECKS:
        report.problems.extend(found[check])
    return report


__all__ = ["BESIDE", "CHECKS", "Check", "VerifyReport", "verify"]
