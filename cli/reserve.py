"""The risk-compensation reserve: ``zkd reserve deposit|interest|fee|transfer|status``."""

from __future__ import annotations

import datetime as dt

import click

from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.domain.policy_params import format_ratio
from zhengkedai.i18n import _
from zhengkedai.services.funds import fees as reserve_fee
from zhengkedai.services.funds import reserve

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
    posted,
    say_booked_before,
)


@click.group("reserve")
def reserve_group() -> None:
    """The risk-compensation reserve (风险补偿准备金).

    Example: zkd reserve deposit 50,000,000 --source city --at ZZB --on 2025-01-02 --ref CZ-001
    """


@reserve_group.command("deposit")
@click.argument("amount", type=AMOUNT)
@click.option("--source", required=True, help="city, or district:NAME.")
@click.option("--at", "bank", required=True, metavar="BANKCODE",
              help="The deposit bank that holds the money.")
@click.option("--on", "on", type=DONE_DATE, required=True, help="Value date of the deposit.")
@click.option("--ref", required=True,
              help="Voucher number (凭证号); depositing the same voucher twice books it once.")
@db_options
def reserve_deposit(amount: int, source: str, bank: str, on: dt.date, ref: str | None) -> None:
    """Book AMOUNT yuan into the reserve, held at a deposit bank.

    A voucher whose booking was reversed (`zkd reverse`) can be booked again.

    Example: zkd reserve deposit 50,000,000 --source city --at ZZB --on 2025-01-02 --ref CZ-001
    """
    book(_("Deposited {amount} from {source} at {bank} on {on}").format(
        amount=format_grouped(amount), source=reserve.source_text(source), bank=bank,
        on=on),
         lambda uow, actor: reserve.deposit(uow, actor, amount, source=source, bank=bank, on=on,
                                            ref=ref))


@reserve_group.command("interest")
@click.argument("amount", type=AMOUNT)
@click.option("--at", "bank", required=True, metavar="BANKCODE",
              help="The deposit bank that paid the interest.")
@click.option("--on", "on", type=DONE_DATE, required=True, help="Value date of the interest.")
@click.option("--ref", required=True,
              help="Voucher number (凭证号); booking the same voucher twice books it once.")
@db_options
def reserve_interest(amount: int, bank: str, on: dt.date, ref: str | None) -> None:
    """Book AMOUNT yuan of interest earned on the reserve's deposit at a bank.

    Example: zkd reserve interest 120,000 --at ZZB --on 2025-06-21 --ref INT-2025Q2
    """
    book(_("Booked interest {amount} at {bank} on {on}").format(
        amount=format_grouped(amount), bank=bank, on=on),
         lambda uow, actor: reserve.interest(uow, actor, amount, bank=bank, on=on, ref=ref))


@reserve_group.command("fee")
@click.argument("amount", type=AMOUNT)
@click.option("--on", "on", type=DONE_DATE, required=True, help="Payment date of the fee.")
@click.option("--at", "bank", metavar="BANKCODE",
              help="Pay from this deposit bank (default: the one with the most interest "
                   "this year, else the one holding the most).")
@click.option("--ref", required=True,
              help="Voucher number (凭证号); paying the same voucher twice pays it once.")
@db_options
def reserve_fee_cmd(amount: int, on: dt.date, bank: str | None, ref: str | None) -> None:
    """Pay the operator's management fee: at most 1% of the year's average reserve, interest first.

    The average reserve is the time-weighted daily average of the reserve's
    cash from 1 January to the fee date (fees left out). The entry records
    the part covered by this year's unused interest income and the part
    taken from principal.

    Example: zkd reserve fee 300,000 --on 2025-12-20 --ref FEE-2025
    """
    paid, new = posted(lambda uow, actor: reserve_fee.pay_fee(
        uow, actor, amount, on=on, bank=bank, ref=ref))
    if not new:  # the same voucher again: nothing was booked
        say_booked_before(paid.entry.seq, _("Management fee {amount} from {bank} on {on}").format(
            amount=format_grouped(amount), bank=paid.bank, on=on))
        return
    fy = paid.year
    click.echo(_(
        "Paid management fee {amount} from {bank} on {on}: "
        "{interest} from interest income, "
        "{principal} from principal; {year} limit "
        "{limit} ({ratio} of average reserve "
        "{average}) (journal entry #{seq}).").format(
        amount=format_grouped(amount), bank=paid.bank, on=on,
        interest=format_grouped(paid.from_interest),
        principal=format_grouped(paid.from_principal), year=fy.year,
        limit=format_grouped(fy.limit), ratio=fy.ratio_text,
        average=format_grouped(fy.average_reserve), seq=paid.entry.seq))


@reserve_group.command("transfer")
@click.argument("amount", type=AMOUNT)
@click.option("--from", "from_bank", required=True, metavar="BANKCODE",
              help="The deposit bank the money leaves.")
@click.option("--to", "to_bank", required=True, metavar="BANKCODE",
              help="The deposit bank the money goes to.")
@click.option("--on", "on", type=DONE_DATE, required=True, help="Value date of the transfer.")
@click.option("--ref", required=True,
              help="Voucher number (凭证号); the same voucher twice moves the money once.")
@db_options
def reserve_transfer(amount: int, from_bank: str, to_bank: str, on: dt.date,
                     ref: str | None) -> None:
    """Move AMOUNT yuan of reserve money from one deposit bank to another.

    Example: zkd reserve transfer 5,000,000 --from ZZB --to ZYB --on 2025-07-01 --ref DB-007
    """
    book(_("Transferred {amount} from {source} to {target} on {on}").format(
        amount=format_grouped(amount), source=from_bank, target=to_bank, on=on),
         lambda uow, actor: reserve.transfer(uow, actor, amount, from_bank=from_bank,
                                             to_bank=to_bank, on=on, ref=ref))


@reserve_group.command("status")
@click.option("--on", type=DATE, help="As of this date (default: today).")
@format_option("table", "json", "csv")
@db_options
def reserve_status(on: dt.date | None, fmt: str) -> None:
    """Balance per deposit bank, committed, available, target, top-up and allocation.

    The target (policy ratio, default 10%, of outstanding programme principal)
    is spread over deposit banks in proportion to each bank's outstanding
    programme principal; per bank, the difference is suggested − balance.

    Example: zkd reserve status --on 2025-12-31 --format json
    """
    e = env()
    with e.uow() as uow:
        day = on or e.actor().today()
        st = reserve.status(uow, day)
        fy = reserve_fee.fee_year(uow, day)
    shares = {s.bank: s for s in st.allocation}
    rows = [{"bank": b, "balance": st.by_bank.get(b, 0),
             "outstanding_principal": shares[b].outstanding_principal if b in shares else None,
             "suggested": shares[b].suggested if b in shares else None,
             "difference": shares[b].difference if b in shares else None}
            for b in sorted(set(st.by_bank) | set(shares))]
    cols = [Column("bank", "deposit bank"), Column("balance", "balance", "amount"),
            Column("outstanding_principal", "outstanding principal", "amount"),
            Column("suggested", "suggested share", "amount"),
            Column("difference", "difference", "amount")]
    summary = {
        "balance": st.balance, "committed": st.committed, "available": st.available,
        "outstanding_principal": st.outstanding_principal, "target": st.target,
        "top_up_needed": st.top_up_needed,
    }
    fee = {"year": fy.year, "average_reserve": fy.average_reserve, "limit": fy.limit,
           "taken": fy.fees_taken, "left": fy.headroom, "interest_earned": fy.interest_earned,
           "interest_used": fy.interest_used}
    if fmt == "json":
        emit(rows, cols, fmt, extra={
            "on": st.on.isoformat(),
            **{k: format_plain(v) for k, v in summary.items()},
            "target_ratio": f"{st.target_ratio * 100:.2f}",
            "management_fee": {k: v if k == "year" else format_plain(v) for k, v in fee.items()},
        })
        return
    if fmt == "csv":
        # one figure a row, for a spreadsheet: the per-bank lines carry their bank,
        # the totals none, so filtering by item and bank never counts a figure twice
        long = [Column("on", "on", "date"), Column("item", "item"), Column("bank", "bank"),
                Column("amount", "amount", "amount")]
        per_bank = [{"on": st.on, "item": "balance", "bank": b, "amount": v}
                    for b, v in st.by_bank.items()]
        per_bank += [{"on": st.on, "item": k, "bank": r["bank"], "amount": r[k]}
                     for r in rows if r["bank"] in shares
                     for k in ("outstanding_principal", "suggested", "difference")]
        totals = [{"on": st.on, "item": k, "bank": "", "amount": v} for k, v in summary.items()]
        emit(per_bank + totals, long, fmt)
        return
    click.echo(_("Reserve (风险补偿准备金) as of {on}").format(on=st.on))
    emit(rows, cols, fmt)
    click.echo("")
    click.echo(kv_table([
        (_("balance 余额"), format_grouped(st.balance)),
        (_("committed 已批未付"), format_grouped(st.committed)),
        (_("available 可用"), format_grouped(st.available)),
        (_("outstanding principal 在贷余额"), format_grouped(st.outstanding_principal)),
        (_("target 目标规模 ({ratio})").format(ratio=format_ratio(st.target_ratio)),
         format_grouped(st.target)),
        (_("top-up needed 需补充"), format_grouped(st.top_up_needed)),
        (_("management fee {year} 管理费上限").format(year=fy.year),
         _("{limit} ({ratio} × average {average}), taken {taken}").format(
             limit=format_grouped(fy.limit), ratio=fy.ratio_text,
             average=format_grouped(fy.average_reserve), taken=format_grouped(fy.fees_taken))),
    ]))


COMMANDS = [reserve_group]
