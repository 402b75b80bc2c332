"""``zkd statement``: the month's statements as PDF, CSV, JSON or XLSX files, sealed by a manifest."""

from __future__ import annotations

from pathlib import Path

import click

from zhengkedai.i18n import _
from zhengkedai.outputs import write_folder
from zhengkedai.services import institutions
from zhengkedai.services.statements import packs

from .common import FOLDER_NOT_STDOUT, db_options, env, refuse_stdout
from .progress import TerminalProgress


@click.command("statement")
@click.argument("period", metavar="YYYY-MM")
@click.option("--institution", metavar="CODE", help="Only this institution's statement.")
@click.option("--format", "fmt", type=click.Choice(list(packs.FORMATS)), default="pdf",
              show_default=True, help="File format.")
@click.option("-o", "--output", "out", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              callback=refuse_stdout(FOLDER_NOT_STDOUT), help="Folder to write into.")
@db_options
def statement(period: str, institution: str | None, fmt: str, out: Path) -> None:
    """Write the month's statements (准备金收支表, 合作机构对账单, 补偿明细表,
    补助明细表, 科目余额表) and a manifest with each file's SHA-256.

    An open month's statements are marked 草稿 (draft); a closed month's are
    final and regenerate to the same bytes. `zkd verify --pack DIR` checks them.
    With --format xlsx, one workbook (the month's, or the institution's with
    --institution) with a sheet per table. Each 对账单 comes with the
    institution's full loan list as <period>_<code>_loans.csv.

    Example: zkd statement 2025-06 --format pdf -o statements/
    """
    e = env()
    with e.uow() as uow, TerminalProgress(_("Statements of {period}").format(
            period=period)) as bar:
        if institution is not None:
            institutions.get_row(uow, institution)  # zzb: "did you mean ZZB?"
        pack = packs.pack_files(uow, e.actor(), period, fmt=fmt, institution=institution,
                                progress=bar.at if bar.enabled else None)
        # each file through a temporary name as it is produced (a loan list streams
        # from the database to its file), the manifest (last in the pack) once every
        # file it seals is in place
        write_folder(out, pack.files, _("the statements"), ledger=e.ledger_file())
    kind = _("draft (草稿): the month is open") if pack.draft else _("final: the month is closed")
    click.echo(_("Wrote {count} statement file(s) and {manifest} to {out} — {kind}.").format(
        count=len(pack.files) - 1, manifest=pack.manifest_name, out=out, kind=kind))
    others = sorted(p.name for p in out.iterdir() if p.name not in pack.files)
    if others:
        click.echo(_("Note: {out} also holds {files}, not of this pack; `zkd verify --pack` "
                     "checks a folder that holds one pack only: keep each pack in a folder of "
                     "its own.").format(out=out, files="、".join(others[:5])
                                        + ("…" if len(others) > 5 else "")), err=True)


COMMANDS = [statement]
