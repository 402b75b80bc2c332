"""Row records: one validated row of a loans, events or subsidies file (SPEC 4.1-4.3).

Field names are the SPEC's English keys; amounts are int fen, rates Decimal
percent, dates ``datetime.date``. The models are frozen pydantic v2 models
whose field constraints and cross-field rules mirror the column parsers, so
``Model.model_validate(dict)`` checks a row built by hand; the file path
parses cells with the column objects and builds records with
``model_construct`` (no second validation), which is several times faster.

Invariant: every record that leaves :mod:`zhengkedai.imports` satisfies its
model's validation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..domain.loans import EVENT_TYPE_ZH, Enterprise, EventType, Loan, LoanType
from ..domain.money import Fen
from ..domain.subsidy_rules import SUBSIDY_KIND_ZH, SubsidyKind  # noqa: F401 - re-exported
from ..i18n import _, code_name

NonNegativeFen = Annotated[Fen, Field(ge=0, strict=True)]
PositiveFen = Annotated[Fen, Field(gt=0, strict=True)]
NonEmpty = Annotated[str, Field(min_length=1)]


def maturity_error(disbursed_on: dt.date, maturity_on: dt.date) -> str | None:
    """The loan rule tying the two dates (SPEC 4.1), or ``None`` when it holds."""
    if maturity_on <= disbursed_on:
        return _("maturity {maturity} is not after disbursement {disbursed}").format(
            maturity=maturity_on.isoformat(), disbursed=disbursed_on.isoformat())
    return None


def investee_error(kind: SubsidyKind, investee: str | None) -> str | None:
    """An investee is required for investment_risk and only for it (SPEC 4.3)."""
    if kind is SubsidyKind.INVESTMENT_RISK and investee is None:
        return _("an investment_risk subsidy needs the investee's credit code (被投企业)")
    if kind is not SubsidyKind.INVESTMENT_RISK and investee is not None:
        return _("an investee is given only for investment_risk, not for {kind}").format(
            kind=code_name(SUBSIDY_KIND_ZH, kind))
    return None


def amount_rule_error(event: EventType, amount: Fen) -> str | None:
    """Amounts are > 0, except an overdue level, which may be 0 (cleared)."""
    if amount == 0 and event is not EventType.OVERDUE:
        return _("must be greater than 0 for {event} (only overdue may be 0)").format(
            event=code_name(EVENT_TYPE_ZH, event))
    return None


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_R = TypeVar("_R", bound=_Record)


class LoanRecord(_Record):
    """A new programme loan (贷款台账, SPEC 4.1)."""

    loan_no: NonEmpty
    enterprise_name: NonEmpty
    credit_code: Annotated[str, Field(min_length=18, max_length=18)]
    district: str | None = None
    revenue_prev_year: NonNegativeFen
    high_tech: bool
    profitable_two_years: bool
    research_cooperation: bool = False
    loan_type: LoanType
    collateral_value: NonNegativeFen = 0
    principal: PositiveFen
    annual_rate: Annotated[Decimal, Field(ge=0, le=100)]
    disbursed_on: dt.date
    maturity_on: dt.date
    guarantor_code: str | None = None
    guarantee_fee: NonNegativeFen = 0

    @model_validator(mode="after")
    def _dates(self) -> LoanRecord:
        reason = maturity_error(self.disbursed_on, self.maturity_on)
        if reason:
            raise ValueError(reason)
        return self

    def to_loan(self, institution_code: str) -> Loan:
        """The domain :class:`Loan` this row files for ``institution_code``."""
        enterprise = Enterprise(
            credit_code=self.credit_code, name=self.enterprise_name, district=self.district,
            revenue_prev_year=self.revenue_prev_year, high_tech=self.high_tech,
            profitable_two_years=self.profitable_two_years,
            research_cooperation=self.research_cooperation,
        )
        return Loan(
            institution_code=institution_code, loan_no=self.loan_no, enterprise=enterprise,
            loan_type=self.loan_type, collateral_value=self.collateral_value,
            principal=self.principal, annual_rate=self.annual_rate,
            disbursed_on=self.disbursed_on, maturity_on=self.maturity_on,
            guarantor_code=self.guarantor_code, guarantee_fee=self.guarantee_fee,
        )


class EventRecord(_Record):
    """A post-loan event on a loan already filed (贷后事件, SPEC 4.2)."""

    loan_no: NonEmpty
    event: EventType
    occurred_on: dt.date
    amount: NonNegativeFen
    note: str | None = None

    @model_validator(mode="after")
    def _amount(self) -> EventRecord:
        reason = amount_rule_error(self.event, self.amount)
        if reason:
            raise ValueError(reason)
        return self


class SubsidyRecord(_Record):
    """A subsidy application (补助申请, SPEC 4.3)."""

    kind: SubsidyKind
    beneficiary: NonEmpty
    basis: PositiveFen
    investee: str | None = None
    period: Annotated[int, Field(ge=1990, le=2100)]
    reference: NonEmpty
    filed_on: dt.date | None = None  # 申请日期; None: the day the file is submitted

    @model_validator(mode="after")
    def _investee(self) -> SubsidyRecord:
        reason = investee_error(self.kind, self.investee)
        if reason:
            raise ValueError(reason)
        return self


Record = LoanRecord | EventRecord | SubsidyRecord

_set = object.__setattr__


def construct(model: type[_R], values: dict[str, Any]) -> _R:
    """A record from values already parsed and checked by the column parsers.

    ``values`` must hold every field (defaults included). Equivalent to
    ``model.model_construct(**values)`` for these models (no aliases, no
    private attributes, no post-init hooks; checked below and by the tests),
    at a fifth of its cost. ``values`` becomes the record's ``__dict__``.
    """
    record = model.__new__(model)
    _set(record, "__dict__", values)
    _set(record, "__pydantic_fields_set__", set(values))
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    return record


for _model in (LoanRecord, EventRecord, SubsidyRecord):
    assert not _model.__private_attributes__ and not _model.__pydantic_post_init__
    assert all(f.alias is None and f.validation_alias is None
               for f in _model.model_fields.values())
