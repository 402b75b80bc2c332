"""``zkd statement … --format xlsx``: one workbook a month (or an institution), a sheet per
table, figures a spreadsheet can compute with. Read back with openpyxl."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from tests.integration.test_statements_sent import JUNE, _month
from zhengkedai.services import closing
from zhengkedai.services.statements import packs


def _rows(ws):  # type: ignore[no-untyped-def]
    """The sheet's table: header row (labels) onwards, as lists of cells."""
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value == "申请编号" or
                 r[0].value == "贷款编号" or r[0].value == "存放银行" or r[0].value == "银行代码")
    return rows[start:]


def test_the_month_s_workbook_has_a_sheet_per_table_with_typed_cells(uow, actor, clock) -> None:
    _month(uow, actor, clock)
    pack = packs.build_pack(uow, actor, JUNE, fmt="xlsx")
    assert f"{JUNE}_statements.xlsx" in pack.files and f"{JUNE}_ZZB_loans.csv" in pack.files
    wb = load_workbook(io.BytesIO(pack.files[f"{JUNE}_statements.xlsx"]))
    assert "对账单ZZB-本月补偿申请明细" in wb.sheetnames and "补偿明细-补偿申请明细" in wb.sheetnames
    rows = _rows(wb["对账单ZZB-本月补偿申请明细"])
    header = [c.value for c in rows[0]]
    loss = header.index("本金损失")
    paid = next(r for r in rows if r[0].value == "C1")
    assert paid[loss].value == Decimal("1000000") or paid[loss].value == 1_000_000
    assert paid[loss].number_format == "#,##0.00"
    total = next(r for r in rows if r[0].value == "合计")
    details = [r[loss].value for r in rows[1:] if r[0].value not in ("合计",)]
    assert total[loss].value == sum(details) == 1_300_000
    recoveries = _rows(wb["对账单ZZB-本月追偿回收明细"])
    assert recoveries[1][2].value == dt.datetime(2025, 6, 20)
    assert recoveries[1][2].number_format == "yyyy-mm-dd"
    assert recoveries[1][4].value == 80_000
    profile = wb["对账单ZZB-机构与贷款"]
    ratio = next(r for r in profile.iter_rows() if r[0].value == "暂停阈值")[1]
    assert ratio.value == Decimal("0.05") or abs(ratio.value - 0.05) < 1e-12
    assert ratio.number_format == "0.00%"


def test_one_institution_gets_its_own_workbook_and_a_closed_month_s_verifies(
        uow, actor, clock) -> None:
    _month(uow, actor, clock)
    clock.now = dt.datetime(2025, 7, 2, 9)
    closing.close_through(uow, actor, JUNE)
    uow.commit()
    pack = packs.build_pack(uow, actor, JUNE, fmt="xlsx", institution="ZZB")
    assert sorted(pack.files) == [f"{JUNE}_ZZB_loans.csv", f"{JUNE}_institution_ZZB.xlsx",
                                  f"{JUNE}_manifest.json"]
    wb = load_workbook(io.BytesIO(pack.files[f"{JUNE}_institution_ZZB.xlsx"]))
    assert all(name.startswith("对账单ZZB-") for name in wb.sheetnames)
    clock.advance(days=3)
    again = packs.build_pack(uow, actor, JUNE, fmt="xlsx", institution="ZZB")
    assert again.files == pack.files  # the same bytes: no clock in the workbook
    manifest = pack.files.pop(pack.manifest_name)
    assert packs.check_pack(uow, actor, pack.manifest_name, manifest, pack.files.get).problems == []


def test_statement_writes_the_workbook_through_the_cli(zkd_frozen, tmp_path) -> None:
    zkd = zkd_frozen
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    zkd("reserve", "deposit", "--ref", "V-1", "1,000", "--source", "city", "--at", "ZZB",
        "--on", "2025-01-02")
    out = tmp_path / "pack"
    r = zkd("statement", "2025-01", "--format", "xlsx", "-o", str(out))
    assert r.exit_code == 0, r.output
    wb = load_workbook(out / "2025-01_statements.xlsx")
    summary = wb["准备金收支-本月收支"]
    closing_row = next(r for r in summary.iter_rows() if r[0].value == "期末余额")
    assert closing_row[1].value == 1000 and closing_row[1].number_format == "#,##0.00"
    assert zkd("verify", "--pack", str(out)).exit_code == 0
