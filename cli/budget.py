"""The science-finance subsidy budget: ``zkd budget deposit|status``."""

from __future__ import annotations

import datetime as dt
import json

import click

from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.i18n import _
from zhengkedai.services.funds import budget

from .common import (
    AMOUNT,
    DATE,
    DONE_DATE,
    Column,
    book,
    db_options,
    emit,
    env,
    format_option,
    kv_table,
)


@click.group("budget")
def budget_group() -> None:
    """The science-finance subsidy budget (科技金融补助资金).

    Example: zkd budget deposit 10,000,000 --on 2025-01-03 --ref CZ-2025-003
    """


@budget_group.command("deposit")
@click.argument("amount", type=AMOUNT)
@click.option("--on", "on", type=DONE_DATE, required=True, help="Value date of the deposit.")
@click.option("--ref", required=True,
              help="Voucher number (凭证号); depositing the same voucher twice books it once.")
@db_options
def budget_deposit(amount: int, on: dt.date, ref: str | None) -> None:
    """Book AMOUNT yuan from city finance into the subsidy budget.

    Example: zkd budget deposit 10,000,000 --on 2025-01-03 --ref CZ-2025-003
    """
    book(_("Deposited {amount} into the subsidy budget on {on}").format(
        amount=format_grouped(amount), on=on),
         lambda uow, actor: budget.deposit(uow, actor, amount, on=on, ref=ref))


@budget_group.command("status")
@click.option("--on", type=DATE, help="As of this date (default: today).")
@format_option("table", "json", "csv")
@db_options
def budget_status(on: dt.date | None, fmt: str) -> None:
    """The budget's cash, committed (approved, unpaid subsidies) and available.

    Example: zkd budget status --on 2025-12-31 --format json
    """
    e = env()
    with e.uow() as uow:
        st = budget.status(uow, on or e.actor().today())
    figures = {"balance": st.balance, "committed": st.committed, "available": st.available,
               "contributed": st.contributed, "paid": st.paid}
    if fmt == "json":
        doc = {"on": st.on.isoformat(), **{k: format_plain(v) for k, v in figures.items()}}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        emit([{"figure": k, "amount": v} for k, v in figures.items()],
             [Column("figure", "figure"), Column("amount", "amount", "amount")], fmt)
        return
    click.echo(_("Subsidy budget (科技金融补助资金) as of {on}").format(on=st.on))
    click.echo(kv_table([
        (_("balance 余额"), format_grouped(st.balance)),
        (_("committed 已批未付"), format_grouped(st.committed)),
        (_("available 可用"), format_grouped(st.available)),
        (_("contributed 累计拨入"), format_grouped(st.contributed)),
        (_("paid 累计支付"), format_grouped(st.paid)),
    ]))


COMMANDS = [budget_group]
