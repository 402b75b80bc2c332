"""Writes the demo's sample files: a year (2025) of two banks' loan and event files,
the programme staff's subsidy applications, and the treasury movements.

Run it again to regenerate (the output is deterministic):

    .venv/bin/python sample_data/make_samples.py

File names say when and by whom a file is filed: ``YYYY-MM_<FILER>_<kind>.<ext>``,
FILER being an institution code or ``staff`` (programme staff, no institution).
The files use what banks' exports have: UTF-8 with BOM, GB18030, an XLSX with a
title row above the header, a ``(万元)`` unit in a header, ``¥1,234.50`` cells.

The story the year tells (each line is checked by the demo's statements):
- ZZB files six loans in January and four in April; ZYB five in February (XLSX)
  and one in June (GB18030) — while ZYB is suspended;
- ZYB reports 1,500,000 overdue in May (above 5%): suspended from June,
  cleared in July, reinstated from August;
- 郑州芯驰微电子 (high-tech, profitable two years) loses 2,000,000 on a credit
  loan in June (100%) and 1,200,000 on an IP-pledge loan in August: its losses
  then total 3,200,000, so the second claim is at 80%;
- a collateral loan loses 1,000,000 in June (80%), and 100,000 is recovered in
  September after payment: 80,000 goes back to the reserve;
- a credit loan to a non-profitable firm loses 7,000,000 in August: 80% is
  5,600,000, capped at 5,000,000; 1,400,000 recovered in October returns 1,000,000;
- ZYB's June loan (made while suspended) loses 900,000 in October: 0.00;
- a ZYB loan loses 1,000,000 in November and 100,000 is recovered before the
  claim is paid: the claim becomes 720,000.

And two corrections (``corrections.csv``), as clerks make them:
- ZZB's April file carries ZZB-2025-011, ZZB-2025-010 filed a second time under
  another number; ZZB withdraws it on 8 May. April's closed statements keep it;
  May's 对账单 lists the correction;
- ZYB's first November file types that loss as 100,000 (a zero short): its
  claim C6 opens at 80,000. ZYB withdraws the loss the same day (C6 is withdrawn
  with it) and files the right loss and the recovery again: claim C7, 720,000.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from zhengkedai.imports.uscc import make_uscc  # noqa: E402

LOAN_HEAD = ["贷款编号", "企业名称", "统一社会信用代码", "所属区县", "上年度营业收入",
             "高新技术企业", "连续两年盈利", "产学研合作", "贷款类型", "抵质押物评估值",
             "贷款金额", "年利率", "放款日期", "到期日期", "担保机构", "担保费"]
EVENT_HEAD = ["贷款编号", "事件类型", "发生日期", "金额", "备注"]
SUBSIDY_HEAD = ["补助类型", "受益方", "计算基数", "被投企业", "所属年度", "凭证号"]

FIRMS = {
    101: ("郑州芯驰微电子有限公司", "高新区", "80,000,000", "是", "是", "否"),
    102: ("郑州智感传感科技有限公司", "金水区", "30,000,000", "否", "否", "否"),
    103: ("河南启明生物医药有限公司", "郑东新区", "150,000,000", "是", "否", "是"),
    104: ("郑州云枢软件有限公司", "高新区", "60,000,000", "是", "否", "否"),
    105: ("郑州绿能新材料有限公司", "经开区", "45,000,000", "否", "是", "否"),
    106: ("郑州星图遥感技术有限公司", "金水区", "12,000,000", "是", "否", "是"),
    107: ("郑州数擎智能装备有限公司", "中原区", "210,000,000", "是", "是", "否"),
    108: ("郑州安芯检测技术有限公司", "二七区", "8,000,000", "否", "否", "是"),
    109: ("郑州融创医疗器械有限公司", "航空港区", "95,000,000", "是", "是", "否"),
    110: ("郑州北辰新能源科技有限公司", "惠济区", "26,000,000", "否", "是", "否"),
    111: ("郑州天工精密机械有限公司", "上街区", "55,000,000", "否", "否", "否"),
}


def code(seq: int) -> str:
    return make_uscc("410100", seq)


def loan(no: str, firm: int, kind: str, principal: str, disbursed: str, months: int = 12,
         collateral: str = "", guarantor: str = "", fee: str = "", rate: str = "3.85") -> list[str]:
    name, district, revenue, high_tech, profitable, research = FIRMS[firm]
    d = dt.date.fromisoformat(disbursed)
    y, m = divmod(d.month - 1 + months, 12)
    maturity = d.replace(year=d.year + y, month=m + 1)
    return [no, name, code(firm), district, revenue, high_tech, profitable, research, kind,
            collateral, principal, rate, disbursed, maturity.isoformat(), guarantor, fee]


def write_csv(name: str, head: list[str], rows: list[list[str]], *, encoding: str = "utf-8-sig",
              title: str | None = None) -> None:
    with (HERE / name).open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        if title:
            w.writerow([title])
        w.writerow(head)
        w.writerows(rows)


def main() -> None:
    for old in HERE.glob("2025-*"):
        old.unlink()

    # ZZB, January: principal in 万元 (ten-thousands of yuan)
    head = [h if h != "贷款金额" else "贷款金额(万元)" for h in LOAN_HEAD]
    write_csv("2025-01_ZZB_loans.csv", head, [
        loan("ZZB-2025-001", 101, "信用", "300", "2025-01-08"),
        loan("ZZB-2025-002", 101, "知识产权质押", "200", "2025-01-15", collateral="260"),
        loan("ZZB-2025-003", 102, "抵押", "150", "2025-01-16", collateral="200"),
        loan("ZZB-2025-004", 103, "担保", "500", "2025-01-20", guarantor="ZZDB",
             fee="50,000"),
        loan("ZZB-2025-005", 104, "信用", "800", "2025-01-22", months=24, rate="4.35%"),
        loan("ZZB-2025-006", 105, "保证保险", "100", "2025-01-28"),
    ])
    write_csv("2025-04_ZZB_loans.csv", LOAN_HEAD, [
        loan("ZZB-2025-007", 106, "信用", "¥1,200,000.00", "2025-04-03"),
        loan("ZZB-2025-008", 107, "抵押", "6,000,000", "2025-04-10", collateral="9,000,000"),
        loan("ZZB-2025-009", 109, "知识产权质押", "2,500,000", "2025-04-18",
             collateral="3,000,000"),
        loan("ZZB-2025-010", 110, "担保", "1,800,000", "2025-04-25", guarantor="ZZDB",
             fee="18,000"),
        # the same loan again under another number: withdrawn in May (corrections.csv)
        loan("ZZB-2025-011", 110, "担保", "1,800,000", "2025-04-25", guarantor="ZZDB",
             fee="18,000"),
    ])

    # ZYB, February: an XLSX export with a title row and real date cells
    wb = Workbook()
    ws = wb.active
    ws.title = "贷款台账"
    ws.append(["中原银行 郑科贷贷款台账 2025年2月"])
    ws.append(LOAN_HEAD)
    for row in [
        loan("ZYB-25-01", 108, "信用", "2,000,000", "2025-02-10"),
        loan("ZYB-25-02", 111, "抵押", "6,000,000", "2025-02-12", collateral="8,000,000"),
        loan("ZYB-25-03", 105, "抵押", "5,000,000", "2025-02-18", collateral="6,500,000"),
        loan("ZYB-25-04", 110, "保证保险", "3,000,000", "2025-02-20"),
        loan("ZYB-25-05", 109, "信用", "4,000,000", "2025-02-26", rate="4.10"),
    ]:
        cells: list[object] = list(row)
        cells[12] = dt.datetime.fromisoformat(row[12])
        cells[13] = dt.datetime.fromisoformat(row[13])
        cells[10] = int(row[10].replace(",", ""))
        ws.append(cells)
    wb.save(HERE / "2025-02_ZYB_loans.xlsx")

    # ZYB, June: GB18030, as WPS on a Chinese Windows saves it; made while suspended
    write_csv("2025-06_ZYB_loans.csv", LOAN_HEAD, [
        loan("ZYB-25-06", 102, "抵押", "1,500,000", "2025-06-10", collateral="2,000,000"),
    ], encoding="gb18030")

    events = {
        "2025-03_ZZB_events.csv": [
            ["ZZB-2025-003", "还款", "2025-03-15", "500,000", "提前还款"],
            ["ZZB-2025-006", "逾期", "2025-03-20", "20,000", ""],
        ],
        "2025-04_ZZB_events.csv": [["ZZB-2025-006", "逾期", "2025-04-10", "0", "已结清逾期"]],
        "2025-05_ZYB_events.csv": [["ZYB-25-02", "逾期", "2025-05-20", "1,500,000", "逾期90天"]],
        "2025-06_ZZB_events.csv": [
            ["ZZB-2025-001", "损失确认", "2025-06-12", "2,000,000", "核销"],
            ["ZZB-2025-003", "损失确认", "2025-06-20", "1,000,000", "抵押物处置不足"],
        ],
        "2025-07_ZYB_events.csv": [
            ["ZYB-25-02", "还款", "2025-07-05", "1,500,000", "逾期本金已归还"],
            ["ZYB-25-02", "逾期", "2025-07-05", "0", ""],
            ["ZYB-25-01", "还款", "2025-07-15", "500,000", ""],
        ],
        "2025-08_ZZB_events.csv": [
            ["ZZB-2025-002", "损失确认", "2025-08-10", "1,200,000", ""],
            ["ZZB-2025-005", "损失确认", "2025-08-15", "7,000,000", "企业破产"],
        ],
        "2025-09_ZZB_events.csv": [["ZZB-2025-003", "追偿回收", "2025-09-05", "100,000", "司法追偿"]],
        "2025-10_ZZB_events.csv": [["ZZB-2025-005", "追偿回收", "2025-10-10", "1,400,000", "破产清算分配"]],
        "2025-10_ZYB_events.csv": [["ZYB-25-06", "损失确认", "2025-10-20", "900,000", ""]],
        # the loss typed a zero short; withdrawn, then filed again with the recovery
        "2025-11_ZYB_events.csv": [["ZYB-25-03", "损失确认", "2025-11-05", "100,000", ""]],
        "2025-11_ZYB_events_refiled.csv": [
            ["ZYB-25-03", "损失确认", "2025-11-05", "1,000,000", ""],
            ["ZYB-25-03", "追偿回收", "2025-11-20", "100,000", "赔付前回收"],
        ],
        "2025-12_ZZB_events.csv": [
            ["ZZB-2025-004", "还款", "2025-12-10", "5,000,000", "到期还款"],
            ["ZZB-2025-007", "还款", "2025-12-15", "300,000", ""],
        ],
        "2025-12_ZYB_events.csv": [["ZYB-25-04", "还款", "2025-12-18", "1,000,000", ""]],
    }
    for name, rows in events.items():
        write_csv(name, EVENT_HEAD, rows)

    write_csv("2025-03_staff_subsidies.csv", SUBSIDY_HEAD, [
        ["担保费补助", code(103), "50,000", "", "2025", "DBF-2025-001"],
        ["融资补助", code(101), "115,500", "", "2025", "RZ-2025-001"],
        ["投资风险补助", "ZZVC", "3,000,000", code(106), "2025", "TZ-2025-001"],
    ])
    write_csv("2025-09_staff_subsidies.csv", SUBSIDY_HEAD, [
        ["融资补助", code(107), "2,000,000", "", "2025", "RZ-2025-002"],
        ["融资补助", code(107), "2,000,000", "", "2025", "RZ-2025-003"],
        ["投资风险补助", "ZZVC", "25,000,000", code(108), "2025", "TZ-2025-002"],
        ["担保费补助", code(110), "18,000", "", "2025", "DBF-2025-002"],
    ])

    # withdrawals (撤回) of what was filed by mistake: on ``date``, or, with ``after``,
    # right after that file is filed (the same day), before the month's next file
    write_csv("corrections.csv", ["date", "after", "filer", "action", "loan_no", "event",
                                  "occurred_on", "amount", "reason"], [
        ["2025-05-08", "", "ZZB", "withdraw_loan", "ZZB-2025-011", "", "", "",
         "重复报送，与ZZB-2025-010为同一笔贷款"],
        ["2025-11-30", "2025-11_ZYB_events.csv", "ZYB", "withdraw_event", "ZYB-25-03",
         "损失确认", "2025-11-05", "100,000", "损失金额录入错误，应为1,000,000"],
    ])

    # who takes part, and the treasury's own movements (booked by programme staff)
    write_csv("institutions.csv", ["code", "name", "kind"], [
        ["ZZB", "郑州银行", "bank"],
        ["ZYB", "中原银行", "bank"],
        ["ZZDB", "郑州中小企业融资担保有限公司", "guarantor"],
        ["ZZVC", "郑州科技创新投资有限公司", "investor"],
    ])
    write_csv("treasury.csv", ["date", "action", "amount", "source", "bank", "ref"], [
        ["2025-01-02", "reserve_deposit", "30,000,000", "city", "ZZB", "CZ-2025-001"],
        ["2025-01-02", "reserve_deposit", "20,000,000", "city", "ZYB", "CZ-2025-002"],
        ["2025-01-03", "budget_deposit", "10,000,000", "city", "", "CZ-2025-003"],
        ["2025-03-18", "reserve_deposit", "5,000,000", "district:金水区", "ZZB", "JS-2025-001"],
        ["2025-03-21", "reserve_interest", "61,250.00", "", "ZZB", "LX-2025-Q1-ZZB"],
        ["2025-03-21", "reserve_interest", "35,000.00", "", "ZYB", "LX-2025-Q1-ZYB"],
        ["2025-06-21", "reserve_interest", "66,500.00", "", "ZZB", "LX-2025-Q2-ZZB"],
        ["2025-06-21", "reserve_interest", "38,000.00", "", "ZYB", "LX-2025-Q2-ZYB"],
        ["2025-09-21", "reserve_interest", "55,300.00", "", "ZZB", "LX-2025-Q3-ZZB"],
        ["2025-09-21", "reserve_interest", "37,800.00", "", "ZYB", "LX-2025-Q3-ZYB"],
        ["2025-10-09", "reserve_transfer", "2,000,000", "ZYB", "ZZB", "DB-2025-001"],
        ["2025-12-21", "reserve_interest", "50,100.00", "", "ZZB", "LX-2025-Q4-ZZB"],
        ["2025-12-21", "reserve_interest", "36,900.00", "", "ZYB", "LX-2025-Q4-ZYB"],
        ["2025-12-26", "reserve_fee", "300,000.00", "", "ZZB", "GLF-2025"],
    ])


if __name__ == "__main__":
    main()
