"""What a clerk reads in a Chinese session (the default, SPEC 12): row errors, the errors
file, amount refusals and verify's problems; and the hints for common spreadsheet mistakes."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import text

from zhengkedai.db.engine import make_engine

from .test_cli_submit import LOAN_HEAD, loan_line, write


@pytest.fixture
def clerk(zkd_frozen):  # type: ignore[no-untyped-def]
    assert zkd_frozen("institution", "add", "ZZB", "--name", "郑州银行", "--kind",
                      "bank").exit_code == 0
    return zkd_frozen


def bad_code_file(tmp_path):  # type: ignore[no-untyped-def]
    line = loan_line("A1", 1).replace("91410100000000019L", "91410100000000019X")
    return write(tmp_path, "loans.csv", LOAN_HEAD + "\n" + line + "\n")


def test_a_file_row_error_is_in_chinese_by_default(clerk, chinese, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = clerk("submit", str(bad_code_file(tmp_path)), "--institution", "ZZB")
    assert r.exit_code == 2
    assert "loans.csv:2: 统一社会信用代码 '91410100000000019X': 校验码为 X，应为 L（GB 32100-2015）" \
        in r.stderr


def test_the_errors_file_header_is_in_chinese_by_default(  # type: ignore[no-untyped-def]
        clerk, chinese, tmp_path, monkeypatch) -> None:
    errors = tmp_path / "errors.csv"
    errors.write_text("file,row,column,value,message\nold.csv,9,x,y,an older run\n")
    r = clerk("submit", str(bad_code_file(tmp_path)), "--institution", "ZZB",
              "--errors", str(errors))
    assert r.exit_code == 2
    rows = list(csv.reader(errors.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["文件", "行号", "列名", "内容", "错误原因"]
    assert rows[1][:3] == ["loans.csv", "2", "统一社会信用代码"]
    # a Chinese errors file is ours too: it is replaced on the next run, in English
    monkeypatch.setenv("ZKD_LANG", "en")
    again = clerk("submit", str(bad_code_file(tmp_path)), "--institution", "ZZB",
                  "--errors", str(errors))
    assert again.exit_code == 2, again.stderr
    assert errors.read_text(encoding="utf-8-sig").startswith("file,row,column,value,message")


def test_an_amount_refusal_is_in_chinese_by_default(clerk, chinese) -> None:  # type: ignore[no-untyped-def]
    r = clerk("reserve", "deposit", "1,00,0", "--source", "city", "--at", "ZZB",
              "--on", "2025-01-02", "--ref", "V-1")
    assert r.exit_code != 0
    assert "'1,00,0' 的千位分隔符位置不对" in r.stderr


def test_a_verify_problem_is_in_chinese_by_default(clerk, chinese, db_url) -> None:  # type: ignore[no-untyped-def]
    for ref, amount in (("V-10", "1000"), ("V-11", "2000")):
        assert clerk("reserve", "deposit", "--ref", ref, amount, "--source", "city", "--at", "ZZB",
                     "--on", "2025-01-02").exit_code == 0
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE journal_lines SET amount_fen = amount_fen - 1 "
                          "WHERE entry_seq = 1 AND line_no = 2"))
    engine.dispose()
    r = clerk("verify")
    assert r.exit_code == 1
    assert "凭证 #1：借贷不平衡：分录借贷不平衡：合计为" in r.stderr
    assert r.stderr.startswith("核验未通过：发现 2 个问题（已核验 2 笔凭证）")


def test_verify_counts_a_pack_folders_problems_apart_from_the_entries(  # type: ignore[no-untyped-def]
        clerk, chinese, tmp_path) -> None:
    assert clerk("reserve", "deposit", "1000", "--source", "city", "--at", "ZZB",
                 "--on", "2025-01-02", "--ref", "V-1").exit_code == 0
    (tmp_path / "stray.png").write_bytes(b"x")  # a folder without any manifest
    r = clerk("verify", "--pack", str(tmp_path))
    assert r.exit_code == 1
    assert r.stderr.startswith("核验未通过：发现 1 个问题（已核验 1 笔凭证及报表包）")
    assert "笔凭证中发现" not in r.stderr


# -- hints for the common clerk mistakes (SPEC 12) -------------------------------------

def test_a_unit_in_an_amount_cell_is_said_to_belong_in_the_header(clerk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "loans.csv", LOAN_HEAD + "\n" + loan_line("A1", 1, principal="1,000,000元")
                 + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 2
    assert "'1,000,000元': the unit 元 belongs in the column header" in r.stderr
    assert "thousands separators" not in r.stderr


def test_a_principal_that_looks_like_wan_yuan_is_accepted_with_a_note(clerk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "loans.csv", "\n".join(
        [LOAN_HEAD, loan_line("A1", 1, principal="500"), loan_line("A2", 2)]) + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert "check row 2 (500.00): a principal under 1,000.00 yuan looks like an amount in 万元" \
        in r.stderr
    assert "2 rows" in r.output


def test_a_normal_principal_gets_no_plausibility_note(clerk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "loans.csv", LOAN_HEAD + "\n" + loan_line("A1", 1) + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert "万元" not in r.stderr


# -- the refusals and receipts of submit, template and dates, in Chinese -------------------

def test_a_future_date_of_something_done_is_refused_in_chinese(clerk, chinese) -> None:  # type: ignore[no-untyped-def]
    r = clerk("reserve", "deposit", "1000", "--source", "city", "--at", "ZZB",
              "--on", "2026-02-01", "--ref", "V-1")
    assert r.exit_code != 0
    assert "2026-02-01 晚于今天（2026-01-15，郑州时间）；已办理事项的日期不能是将来日期" in r.stderr
    assert "is after today" not in r.stderr


def test_submit_refusals_and_receipt_read_in_chinese(clerk, chinese, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert clerk("submit", str(tmp_path / "missing.csv"), "--institution", "ZZB").stderr \
        .startswith("错误：")
    assert "missing.csv：文件不存在" in clerk("submit", str(tmp_path / "missing.csv")).stderr
    good = write(tmp_path, "good.csv", "\n".join([LOAN_HEAD, loan_line("A1", 1),
                                                   loan_line("A2", 2)]) + "\n")
    r = clerk("submit", str(good))
    assert "good.csv 是贷款台账文件：请用 --institution 机构代码 指明报送的银行或担保机构" \
        in r.stderr
    r = clerk("submit", str(good), "--institution", "ZZX")
    assert "没有机构 'ZZX'；请先用 `zkd institution add` 登记" in r.stderr
    r = clerk("submit", str(bad_code_file(tmp_path)), "--institution", "ZZB")
    assert "错误：loans.csv 已退回：1 行中有 1 处错误，未写入任何数据" in r.stderr
    r = clerk("submit", str(good), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert "  贷款金额合计 2,000,000.00，共 2 行" in r.output
    assert "total" not in r.output


def test_a_blank_template_is_replaced_and_a_filled_one_kept_in_chinese(  # type: ignore[no-untyped-def]
        clerk, chinese, tmp_path) -> None:
    for name in ("loans.csv", "loans.xlsx"):
        path = tmp_path / name
        extra = ["--xlsx"] if name.endswith("xlsx") else []
        assert clerk("template", "loans", "-o", str(path), *extra).exit_code == 0
        again = clerk("template", "loans", "-o", str(path), *extra)
        assert again.exit_code == 0, again.stderr
    filled = tmp_path / "loans.csv"
    filled.write_text(filled.read_text(encoding="utf-8-sig") + loan_line("A1", 1) + "\n",
                      encoding="utf-8-sig")
    r = clerk("template", "loans", "-o", str(filled))
    assert r.exit_code != 0
    assert "已存在，且不是 zkd 生成的可替换的模板；请删除该文件或另取文件名" in r.stderr
    assert "A1" in filled.read_text(encoding="utf-8-sig")


def test_a_near_miss_header_is_one_clear_message_and_not_called_ignored(  # type: ignore[no-untyped-def]
        clerk, chinese, tmp_path) -> None:
    path = write(tmp_path, "loans.csv", LOAN_HEAD.replace("统一社会信用代码", "社会信用代码")
                 + "\n" + loan_line("A1", 1) + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 2
    assert ("缺少必填列 统一社会信用代码 (credit_code)（文件中有 '社会信用代码' 列，"
            "是否应为“统一社会信用代码”？）；应有的列：") in r.stderr
    assert "已忽略" not in r.stderr
    assert r.stderr.count("社会信用代码'") == 1


def test_with_strict_an_unknown_column_is_refused_and_not_called_ignored(  # type: ignore[no-untyped-def]
        clerk, chinese, tmp_path) -> None:
    path = write(tmp_path, "loans.csv", LOAN_HEAD + ",序号\n" + loan_line("A1", 1) + ",1\n")
    r = clerk("submit", str(path), "--institution", "ZZB", "--strict")
    assert r.exit_code == 2
    assert "贷款台账文件不应有以下列：'序号'（--strict 模式下拒收）" in r.stderr
    assert "已忽略" not in r.stderr
    lenient = clerk("submit", str(path), "--institution", "ZZB", "--dry-run")
    assert lenient.exit_code == 0, lenient.stderr
    assert "已忽略 1 个不属于贷款台账文件的列：'序号'" in lenient.stderr


def test_chinese_sentences_space_only_between_chinese_and_codes_or_figures(  # type: ignore[no-untyped-def]
        clerk, chinese, tmp_path) -> None:
    r = clerk("reserve", "deposit", "5,000,000", "--source", "city", "--at", "ZZB",
              "--on", "2025-01-02", "--ref", "CZ-1")
    assert r.output.startswith("已登记市级财政拨入 5,000,000.00 元，存放于 ZZB，日期 2025-01-02")
    loans = write(tmp_path, "l.csv", LOAN_HEAD + "\n" + loan_line("A1", 1) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    r = clerk("loans", "withdraw", "A1", "--reason", "重复报送")
    assert r.exit_code == 0, r.stderr
    assert "撤回贷款 A1（ZZB）；记录仍保留" in r.output
