"""The chart of accounts of the programme's two funds.

Account codes are ``fund:kind[:detail...]`` strings, so that a fund's accounts
and its cash accounts are told by prefix:

- the risk-compensation reserve (风险补偿准备金), ``reserve:``
- the science-finance subsidy budget (科技金融补助资金), ``budget:``

Line amounts are signed: debits positive, credits negative, so an entry
balances when its lines sum to zero. An asset's balance is the sum of its
lines; a liability's, equity's or income's is minus that sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Fund(StrEnum):
    RESERVE = "reserve"
    BUDGET = "budget"


FUND_ZH = {Fund.RESERVE: "风险补偿准备金", Fund.BUDGET: "科技金融补助资金"}


class AccountKind(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    fund: Fund
    kind: AccountKind
    name: str

    @property
    def is_cash(self) -> bool:
        return is_cash_account(self.code)

    @property
    def normal_sign(self) -> int:
        """+1 for debit-normal accounts (assets, expenses), -1 otherwise."""
        return 1 if self.kind in (AccountKind.ASSET, AccountKind.EXPENSE) else -1


# kind-part of the code -> (account kind, Chinese name, whether it takes a detail)
_KINDS: dict[str, tuple[AccountKind, str]] = {
    "cash": (AccountKind.ASSET, "银行存款"),
    "recovery_receivable": (AccountKind.ASSET, "应收追偿返还款"),
    "contribution": (AccountKind.EQUITY, "财政拨入资金"),
    "compensation_payable": (AccountKind.LIABILITY, "应付损失补偿款"),
    "subsidy_payable": (AccountKind.LIABILITY, "应付补助款"),
    "fee_payable": (AccountKind.LIABILITY, "应付管理费"),
    "interest_income": (AccountKind.INCOME, "利息收入"),
    "recovery_income": (AccountKind.INCOME, "追偿返还收入"),
    "compensation_expense": (AccountKind.EXPENSE, "损失补偿支出"),
    "subsidy_expense": (AccountKind.EXPENSE, "补助支出"),
    "fee_expense": (AccountKind.EXPENSE, "管理费支出"),
}


_DETAIL_ZH = {
    "city": "市级财政",
    "district": "区县财政",
    "guarantee_fee": "担保费补助",
    "financing": "融资补助",
    "investment_risk": "投资风险补助",
    # a management fee is booked against the year's interest income first, then principal
    "interest": "利息列支",
    "principal": "本金列支",
}


class AccountCodeError(ValueError):
    pass


def parse_account(code: str) -> Account:
    """The account a code names; raises AccountCodeError for an unknown shape."""
    parts = code.split(":")
    if len(parts) < 2:
        raise AccountCodeError(f"account code {code!r} has no fund and kind")
    try:
        fund = Fund(parts[0])
    except ValueError:
        raise AccountCodeError(f"account code {code!r}: unknown fund {parts[0]!r}") from None
    try:
        kind, name = _KINDS[parts[1]]
    except KeyError:
        raise AccountCodeError(f"account code {code!r}: unknown kind {parts[1]!r}") from None
    detail = [_DETAIL_ZH.get(d, d) for d in parts[2:]]
    full = "/".join([FUND_ZH[fund], name, *detail])
    return Account(code=code, fund=fund, kind=kind, name=full)


def display_name(code: str, details: dict[str, str] | None = None) -> str:
    """The account as a person reads it: ``风险补偿准备金-银行存款-郑州银行``.

    ``details`` names the codes a detail may be (a deposit bank's code → its name);
    an account code of unknown shape is shown as it is.
    """
    try:
        acct = parse_account(code)
    except AccountCodeError:
        return code
    parts = acct.name.split("/")
    raw = code.split(":")[2:]
    named = [(details or {}).get(d, part) for d, part in zip(raw, parts[2:], strict=False)]
    return "-".join([*parts[:2], *named])


def account(fund: Fund, kind: str, *detail: str) -> str:
    """Build an account code, checking that its shape is known."""
    code = ":".join([fund.value, kind, *detail])
    parse_account(code)
    return code


def is_cash_account(code: str) -> bool:
    parts = code.split(":")
    return len(parts) >= 2 and parts[1] == "cash"


def fund_of(code: str) -> Fund:
    return Fund(code.split(":", 1)[0])


# The accounts the services use, by name.

def reserve_cash(bank: str) -> str:
    """The reserve's money held at a deposit bank (存放于合作银行的准备金)."""
    return account(Fund.RESERVE, "cash", bank)


def reserve_contribution(source: str) -> str:
    """``city`` or ``district:NAME``: who put the money into the reserve."""
    return account(Fund.RESERVE, "contribution", *source.split(":"))


def budget_cash() -> str:
    return account(Fund.BUDGET, "cash")


def budget_contribution() -> str:
    return account(Fund.BUDGET, "contribution", "city")
