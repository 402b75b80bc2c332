"""Set-up and the reserve: ``init``, ``institution``, ``reserve``, ``verify``."""

from __future__ import annotations

import datetime as dt

import click

from zhengkedai.domain.money import format_grouped
from zhengkedai.services import institutions, reserve, setup
from zhengkedai.services import verify as verify_service

from .common import AMOUNT, DATE, Column, db_options, emit, env, format_option, kv_table


@click.command()
@db_options
def init() -> None:
    """Create or upgrade the database and load the default policy.

    Example: zkd init --db sqlite:///zhengkedai.db
    """
    e = env()
    engine = e.engine()
    try:
        result = setup.init_database(engine, e.actor())
    finally:
        engine.dispose()
    if result.revision_before == result.revision_after:
        click.echo(f"Database {e.url} is up to date (schema {result.revision_after}).")
    else:
        click.echo(f"Database {e.url} migrated from {result.revision_before or 'empty'} "
                   f"to schema {result.revision_after}.")
    for note in result.notes:
        click.echo(note)


@click.group()
def institution() -> None:
    """Partner institutions: banks, guarantors, insurers, investment institutions.

    Example: zkd institution add ZZB --name 郑州银行 --kind bank
    """


@institution.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The institution's full name.")
@click.option("--kind", required=True,
              type=click.Choice(["bank", "guarantor", "insurer", "investor"]))
@db_options
def institution_add(code: str, name: str, kind: str) -> None:
    """Register an institution under a short CODE.

    Example: zkd institution add ZZB --name 郑州银行 --kind bank
    """
    e = env()
    with e.uow() as uow:
        inst = institutions.add(uow, e.actor(), code, name, kind)
        uow.commit()
    click.echo(f"Registered {inst.kind.value} {inst.code} ({inst.name}).")


@institution.command("list")
@click.option("--on", type=DATE, help="Status as of this date (default: today).")
@format_option("table", "json", "csv")
@db_options
def institution_list(on: dt.date | None, fmt: str) -> None:
    """Institutions with their status (active / suspended since DATE).

    Example: zkd institution list --format json
    """
    e = env()
    actor = e.actor()
    with e.uow() as uow:
        items = institutions.list_all(uow, on or actor.today())
    rows = [{"code": i.code, "name": i.name, "kind": i.kind.value, "status":
             "active" if i.suspended_since is None else "suspended",
             "suspended_since": i.suspended_since} for i in items]
    emit(rows, [Column("code", "code"), Column("name", "name"), Column("kind", "kind"),
                Column("status", "status"), Column("suspended_since", "suspended since", "date")],
         fmt)


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
        from zhengkedai.domain.money import format_plain

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


@click.command()
@db_options
def verify() -> None:
    """Re-check the hash chain, that every entry balances and no fund is negative.

    Exit 0 when all hold, 1 otherwise, naming what failed.

    Example: zkd verify
    """
    e = env()
    with e.uow() as uow:
        report = verify_service.verify(uow)
    if report.ok:
        click.echo(f"OK: {report.entries} entries, chain head {report.head_hash}")
        return
    click.echo(f"FAILED: {len(report.problems)} problem(s) in {report.entries} entries",
               err=True)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


COMMANDS = [init, institution, reserve_group, verify]
