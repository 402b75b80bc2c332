"""The three file kinds and their columns, exactly as SPEC 4.1-4.3 lists them.

Each column has its English key, Chinese header, parser, whether its header
must be present, and the rule shown in templates. Keys and Chinese headers are
unique within a kind; the same key may appear in several kinds (``loan_no``).
Optional columns may be left out of the file entirely, and then take their
parser's default on every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..domain.loans import EVENT_TYPE_ZH, LOAN_TYPE_ZH, EventType, LoanType
from ..i18n import N_, _, is_chinese, listing
from .columns import (
    Amount,
    CellParser,
    Choice,
    Code,
    CreditCode,
    Date,
    Optional,
    Percent,
    Text,
    Year,
    YesNo,
)
from .records import SUBSIDY_KIND_ZH, EventRecord, LoanRecord, Record, SubsidyKind, SubsidyRecord


class FileKind(StrEnum):
    LOANS = "loans"  # 贷款台账
    EVENTS = "events"  # 贷后事件
    SUBSIDIES = "subsidies"  # 补助申请


FILE_KIND_ZH = {
    FileKind.LOANS: "贷款台账",
    FileKind.EVENTS: "贷后事件",
    FileKind.SUBSIDIES: "补助申请",
}


def kind_label(kind: FileKind) -> str:
    """How a message names a file kind: ``贷款台账`` to a Chinese reader, ``贷款台账 (loans)``
    to an English one (the code is what ``zkd template`` takes)."""
    return FILE_KIND_ZH[kind] if is_chinese() else f"{FILE_KIND_ZH[kind]} ({kind.value})"


@dataclass(frozen=True)
class FieldSpec:
    """One column of a file kind."""

    key: str
    zh: str
    column: CellParser[Any]
    required: bool = True  # the header must be present
    rule: str = ""  # shown in templates; defaults to the parser's description
    done: bool = False  # a date of something done: not after the day the file is filed

    @property
    def description(self) -> str:
        return self.rule or self.column.describe

    @property
    def is_amount(self) -> bool:
        inner = self.column.inner if isinstance(self.column, Optional) else self.column
        return isinstance(inner, Amount)

    def label(self) -> str:
        """``贷款金额 (principal)``: how messages name the column."""
        return f"{self.zh} ({self.key})"


def _opt(column: CellParser[Any], default: Any = None) -> Optional:
    return Optional(column, default)


_YES_NO = YesNo()
_CODE = Code()

LOAN_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("loan_no", "贷款编号", _CODE, rule="loan number, unique per institution"),
    FieldSpec("enterprise_name", "企业名称", Text()),
    FieldSpec("credit_code", "统一社会信用代码", CreditCode()),
    FieldSpec("district", "所属区县", _opt(Text(max_length=50)), required=False),
    FieldSpec("revenue_prev_year", "上年度营业收入", Amount("nonnegative")),
    FieldSpec("high_tech", "高新技术企业", _YES_NO),
    FieldSpec("profitable_two_years", "连续两年盈利", _YES_NO),
    FieldSpec("research_cooperation", "产学研合作", _opt(_YES_NO, False), required=False),
    FieldSpec("loan_type", "贷款类型", Choice(LoanType, LOAN_TYPE_ZH)),
    FieldSpec("collateral_value", "抵质押物评估值", _opt(Amount("nonnegative"), 0),
              required=False),
    FieldSpec("principal", "贷款金额", Amount("positive")),
    FieldSpec("annual_rate", "年利率", Percent()),
    FieldSpec("disbursed_on", "放款日期", Date(), rule="date, not after today", done=True),
    FieldSpec("maturity_on", "到期日期", Date(), rule="date after 放款日期 (disbursed_on)"),
    FieldSpec("guarantor_code", "担保机构", _opt(_CODE), required=False,
              rule="guarantor's institution code; optional"),
    FieldSpec("guarantee_fee", "担保费", _opt(Amount("nonnegative"), 0), required=False),
)

EVENT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("loan_no", "贷款编号", _CODE, rule="a loan filed by the same institution"),
    FieldSpec("event", "事件类型", Choice(EventType, EVENT_TYPE_ZH)),
    FieldSpec("occurred_on", "发生日期", Date(),
              rule="date, not before disbursement, not in a closed month, not after today",
              done=True),
    FieldSpec("amount", "金额",
              Amount("nonnegative", below=N_("must be greater than 0 (only an overdue level "
                                             "may be 0)")),
              rule="amount in yuan > 0 (≥ 0 for overdue: the overdue principal level)"),
    FieldSpec("note", "备注", _opt(Text(max_length=500)), required=False),
)

SUBSIDY_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("kind", "补助类型", Choice(SubsidyKind, SUBSIDY_KIND_ZH)),
    FieldSpec("beneficiary", "受益方", _CODE,
              rule="credit code of an enterprise registered in Zhengzhou (guarantee_fee, "
                   "financing) or investment institution's code (investment_risk)"),
    FieldSpec("basis", "计算基数", Amount("positive"),
              rule="amount in yuan > 0: guarantee fee paid / interest paid or investment "
                   "received / realised investment loss"),
    FieldSpec("investee", "被投企业", _opt(CreditCode()), required=False,
              rule="investee's credit code, investment_risk only"),
    FieldSpec("period", "所属年度", Year()),
    FieldSpec("reference", "凭证号", _CODE, rule="voucher number, unique per beneficiary and kind"),
    FieldSpec("filed_on", "申请日期", _opt(Date()), required=False, done=True,
              rule="date the application was made, not after today; optional (the day the "
                   "file is submitted)"),
)

FIELDS: dict[FileKind, tuple[FieldSpec, ...]] = {
    FileKind.LOANS: LOAN_FIELDS,
    FileKind.EVENTS: EVENT_FIELDS,
    FileKind.SUBSIDIES: SUBSIDY_FIELDS,
}

RECORD_TYPES: dict[FileKind, type[Record]] = {
    FileKind.LOANS: LoanRecord,
    FileKind.EVENTS: EventRecord,
    FileKind.SUBSIDIES: SubsidyRecord,
}


def expected_columns(kind: FileKind) -> str:
    """``贷款编号 (loan_no), 企业名称 (enterprise_name), …``; optional ones marked."""
    return listing(f.label() + ("" if f.required else _(" (optional)")) for f in FIELDS[kind])
