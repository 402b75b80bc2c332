"""A Chinese session names codes in Chinese: a clerk reads 还款, 担保费补助, 贷款台账, not
``repayment``, ``guarantee_fee``, ``loans``; an English code appears only beside its
Chinese name where the clerk may type it (a closed set's allowed values). The bank
guide's worked example (§7) is what zkd prints."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from .test_cli_submit import EVENT_HEAD, LOAN_HEAD, SAMPLES, loan_line, write

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "bank-guide.md"
SUBSIDY_HEAD = "补助类型,受益方,计算基数,被投企业,所属年度,凭证号"
CODES = re.compile(r"\b(repayment|overdue|loss|recovery|guarantee_fee|financing|"
                   r"investment_risk|loans|events|subsidies|one of)\b")


@pytest.fixture
def clerk(zkd_frozen):  # type: ignore[no-untyped-def]
    for code, name, kind in (("ZZB", "郑州银行", "bank"), ("ZZDB", "郑州担保", "guarantor"),
                             ("ZZVC", "郑州科创投资", "investor")):
        assert zkd_frozen("institution", "add", code, "--name", name, "--kind", kind).exit_code == 0
    return zkd_frozen


def test_a_wrong_loan_type_lists_the_chinese_names_with_the_codes_beside(  # type: ignore[no-untyped-def]
        clerk, chinese, tmp_path, monkeypatch) -> None:
    path = write(tmp_path, "loans.csv", LOAN_HEAD + "\n" + loan_line("A1", 1, kind="信用贷") + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 2
    assert ("loans.csv:2: 贷款类型 '信用贷': '信用贷' 不是有效值，应为以下之一：信用（credit）、"
            "知识产权质押（ip_pledge）、抵押（collateral）、担保（guaranteed）、保证保险（insured）"
            ) in r.stderr
    assert "one of" not in r.stderr
    # the same process, now in English: the list is made as the message is shown
    monkeypatch.setenv("ZKD_LANG", "en")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert ("'信用贷' is not one of 信用 credit, 知识产权质押 ip_pledge, 抵押 collateral, "
            "担保 guaranteed, 保证保险 insured") in r.stderr


def test_event_refusals_name_the_event_in_chinese(clerk, chinese, tmp_path) -> None:  # type: ignore[no-untyped-def]
    loans = write(tmp_path, "l.csv", LOAN_HEAD + "\n" + loan_line("A1", 1) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "e.csv", "\n".join([
        EVENT_HEAD,
        "A1,还款,2025-03-15,0,",
        'A1,还款,2025-03-16,"9,000,000",',
        "A1,还贷,2025-03-17,100,",
    ]) + "\n")
    r = clerk("submit", str(events), "--institution", "ZZB")
    assert r.exit_code == 2
    assert "e.csv:2: 金额 '0': 还款的金额必须大于 0（只有逾期可以为 0）" in r.stderr
    assert "还款 9,000,000.00 超过在贷本金余额 1,000,000.00" in r.stderr
    assert ("'还贷' 不是有效值，应为以下之一：还款（repayment）、逾期（overdue）、"
            "损失确认（loss）、追偿回收（recovery）") in r.stderr
    codes_outside_the_list = CODES.findall(r.stderr.replace("（repayment）", "")
                                           .replace("（overdue）", "").replace("（loss）", "")
                                           .replace("（recovery）", ""))
    assert codes_outside_the_list == []


def test_listings_name_an_event_and_a_loans_status_not_the_amount_columns(  # type: ignore[no-untyped-def]
        clerk, chinese, tmp_path) -> None:
    loans = write(tmp_path, "l.csv", LOAN_HEAD + "\n" + loan_line("A1", 1) + "\n"
                  + loan_line("A2", 2) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "e.csv", EVENT_HEAD + "\nA1,逾期,2025-03-15,\"100,000\",\n"
                   + "A2,损失确认,2025-03-16,\"200,000\",\n")
    assert clerk("submit", str(events), "--institution", "ZZB").exit_code == 0
    for loan, event in (("A1", "逾期"), ("A2", "损失确认")):
        for listing in (("events", "list", "--loan", loan), ("loans", "show", loan)):
            r = clerk(*listing)
            assert r.exit_code == 0, r.stderr
            row = next(line for line in r.stdout.splitlines() if "2025-03-1" in line)
            assert f"  {event}  " in row, row
            assert "损失金额" not in row and "逾期本金" not in row
    status = {line.split()[1]: line.split()[-1] for line in clerk("loans", "list").stdout
              .splitlines() if line.startswith("ZZB ")}
    assert status["A1"] == "逾期"  # the loan's status; 逾期本金 is its amount's column
    assert clerk("loans", "show", "A1").stdout.splitlines()[0].endswith("ZZB 的 A1  逾期")
    r = clerk("events", "list", "--loan", "A2", "--format", "json")
    assert '"event": "loss"' in r.stdout  # JSON keeps the code, for tools


def test_subsidy_refusals_name_the_kind_in_chinese(clerk, chinese, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "s.csv", "\n".join([
        SUBSIDY_HEAD,
        '担保费补助,91410100000001038T,"50,000",914101000000010113,2025,DBF-1',
        '融资补助,ZZB,"115,500",,2025,RZ-1',
        '投资风险补助,ZZVC,100,,2025,TZ-1',
        '融资补助,914101000000010113,1,,2025,X-1',
        '融资补助,914101000000010113,1,,2025,X-1',
    ]) + "\n")
    r = clerk("submit", str(path))
    assert r.exit_code == 2
    assert ("s.csv:2: 被投企业 '914101000000010113': 只有投资风险补助才填写被投企业，"
            "担保费补助不应填写") in r.stderr
    assert "s.csv:3: 受益方 'ZZB': 融资补助的受益方应为企业：统一社会信用代码应为 18 位" \
        in r.stderr
    assert "s.csv:4: 被投企业: 投资风险补助须在“被投企业”列填写被投企业的统一社会信用代码" \
        in r.stderr
    assert "凭证号 X-1 与第 5 行重复（同一受益方、同一融资补助）" in r.stderr
    assert CODES.findall(r.stderr) == []


def test_file_kinds_are_named_in_chinese(clerk, chinese, tmp_path) -> None:  # type: ignore[no-untyped-def]
    both = write(tmp_path, "both.csv", "贷款编号,企业名称,事件类型\nA1,某公司,还款\n")
    r = clerk("submit", str(both), "--institution", "ZZB")
    assert r.exit_code == 1
    assert ("both.csv：无法从表头判断是贷款台账或贷后事件中的哪一类文件；"
            "请使用其中一类的列（见 `zkd template`）") in r.stderr
    r = clerk("submit", str(SAMPLES / "2025-03_ZZB_events.csv"))
    assert "2025-03_ZZB_events.csv 是贷后事件文件：请用 --institution" in r.stderr
    r = clerk("submit", str(SAMPLES / "2025-01_ZZB_loans.csv"), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert "2025-01_ZZB_loans.csv: 按 CSV 读取，编码 UTF-8（带 BOM）" in r.stderr
    assert "已受理贷款台账文件 2025-01_ZZB_loans.csv：6 行（文件 #1）。" in r.output
    assert CODES.findall(r.output + r.stderr) == []


def _guide_example() -> tuple[str, list[str]]:
    """The command and the lines zkd prints, from the bank guide's §7 code block."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("## 7. "):text.index("## 8. ")]
    block = section.split("```")[1].strip().splitlines()
    assert block[0].startswith("$ zkd ")
    return block[0][len("$ zkd "):], block[1:]


def _bad_loans(tmp_path: Path) -> Path:
    """The guide's bad_loans.csv: the sample's first five loans under a title row, with
    the mistakes §7 lists."""
    with (SAMPLES / "2025-01_ZZB_loans.csv").open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    rows = rows[:5]
    col = {name: i for i, name in enumerate(header)}
    for row, changes in ((1, {"上年度营业收入": "1,2,3", "年利率": "3.85%%",
                              "放款日期": "2025-13-01", "统一社会信用代码": "914101000000010112"}),
                         (2, {"贷款类型": "信用贷"}),
                         (3, {"企业名称": "", "贷款金额(万元)": "0"}),
                         (4, {"高新技术企业": "也许", "到期日期": "2025.6.1"})):
        for name, value in changes.items():
            rows[row][col[name]] = value
    path = tmp_path / "bad_loans.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        f.write("2025年1月 郑州银行 郑科贷贷款台账\n")
        csv.writer(f, lineterminator="\n").writerows([header, *rows])
    return path


def test_the_bank_guide_example_is_what_a_chinese_session_prints(  # type: ignore[no-untyped-def]
        clerk, chinese, tmp_path, monkeypatch) -> None:
    command, shown = _guide_example()
    _bad_loans(tmp_path)
    monkeypatch.chdir(tmp_path)
    r = clerk(*command.split())
    assert r.exit_code == 2
    # stdout and stderr as a terminal shows them; off a terminal, the reading bar the
    # guide leaves out is one line "已读 5 行"
    printed = [line for line in r.output.splitlines() if not line.startswith("已读 5 行")]
    assert printed == shown
    errors = (tmp_path / "err.csv").read_text(encoding="utf-8-sig").splitlines()
    assert errors[0] == "文件,行号,列名,内容,错误原因" and len(errors) == 1 + 9
