"""Writing a payment notice (付款通知书) PDF: one place for ``claims notice`` and ``subsidies notice``."""

from __future__ import annotations

from pathlib import Path

import click

from zhengkedai.domain.notice import PaymentNotice
from zhengkedai.i18n import _
from zhengkedai.outputs import write_folder

from .common import env


def write_notice(notice: PaymentNotice, out: Path) -> None:
    """Render ``notice`` and write it into the folder ``out``, through a temporary name."""
    from zhengkedai.render.notice import render_notice  # reportlab: only when a PDF is written

    name = f"付款通知书_{notice.number}.pdf"
    write_folder(out, {name: render_notice(notice)}, _("the payment notice"),
                 ledger=env().ledger_file())
    click.echo(_("Wrote the payment notice {number} to {path}.").format(number=notice.number,
                                                                        path=out / name))
    if not notice.issuer:
        click.echo(_("Warning: no issuing body is set, so the notice's heading says so; set it "
                     "with `zkd settings set issuer NAME` and write the notice again."), err=True)
