"""The risk-compensation reserve: ``zkd reserve deposit|status``."""

from __future__ import annotations

import datetime as dt

import click

from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.services import reserve

from .common import AMOUNT, DATE, Column, db_options, emit, env, format_option, kv_table


@click.group("reserve")
def reserve_group() -> None:
    """The risk-compensation reserve (风险补偿准备金).

    Example: zkd reserve deposit 50,000,000 --source city --at ZZB --on 2025-01-02
    """


@reserve_group.command("deposit")
@click.argument("amount", type=AMOUNT)
@click.option("--source", required=True, help="city, or district:NAME.")
@click.option("--at", "bank", required=True, metavar="BANKCODE",
              help="The deposit bank that holds the money.")
@click.option("--on", "on", type=DATE, required=True, help="Value date of the deposit.")
@click.option("--ref", help="Voucher number; depositing the same voucher twice books it once.")
@db_options
def reserve_deposit(amount: int, source: str, bank: str, on: dt.date, ref: str | None) -> None:
    """Book AMOUNT yuan into the reserve, held at a deposit bank.

    Example: zkd reserve deposit 50,000,000 --source city --at ZZB --on 2025-01-02
    """
    e = env()
    with e.uow() as uow:
        entry = reserve.deposit(uow, e.actor(), amount, source=source, bank=bank, on=on, ref=ref)
        uow.commit()
    click.echo(f"Deposited {format_grouped(amount)} from {source} at {bank} on {on} "
               f"(journal entry #{entry.seq}).")


@reserve_group.command("status")
@click.option("--on", type=DATE, help="As of this date (default: today).")
@format_option("table", "json", "csv")
@db_options
def reserve_status(on: dt.date | None, fmt: str) -> None:
    """Balance per deposit bank, committed, available, target size and top-up needed.

    Example: zkd reserve status --on 2025-12-31 --format json
    """
    e = env()
    with e.uow() as uow:
        st = reserve.status(uow, on or e.actor().today())
    rows = [{"bank": bank, "balance": bal} for bank, bal in st.by_bank.items()]
    cols = [Column("bank", "deposit bank"), Column("balance", "balance", "amount")]
    summary = {
        "balance": st.balance, "committed": st.committed, "available": st.available,
        "outstanding_principal": st.outstanding_principal, "target": st.target,
        "top_up_needed": st.top_up_needed,
    }
    if fmt == "json":
        emit(rows, cols, fmt, extra={
            "on": st.on.isoformat(),
            **{k: format_plain(v) for k, v in summary.items()},
            "target_ratio": f"{st.target_ratio * 100:.2f}",
        })
        return
    if fmt == "csv":
        emit(rows + [{"bank": k, "balance": v} for k, v in summary.items()], cols, fmt)
        return
    click.echo(f"Reserve (风险补偿准备金) as of {st.on}")
    emit(rows, cols, fmt)
    click.echo("")
    click.echo(kv_table([
        ("balance 余额", format_grouped(st.balance)),
        ("committed 已批未付", format_grouped(st.committed)),
        ("available 可用", format_grouped(st.available)),
        ("outstanding principal 在贷余额", format_grouped(st.outstanding_principal)),
        (f"target 目标规模 ({st.target_ratio * 100:.0f}%)", format_grouped(st.target)),
        ("top-up needed 需补充", format_grouped(st.top_up_needed)),
    ]))



COMMANDS = [reserve_group]
