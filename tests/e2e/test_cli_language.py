"""zkd speaks Chinese by default and English with ZKD_LANG=en (SPEC 12), click's own words too."""

from __future__ import annotations


def test_a_refusal_is_in_chinese_by_default(zkd, chinese) -> None:  # type: ignore[no-untyped-def]
    assert zkd("init").exit_code == 0
    r = zkd("claims", "approve", "9")
    assert r.exit_code == 1
    assert r.stderr.strip() == "错误：没有补偿申请 #9；见 `zkd claims list`"


def test_the_same_refusal_is_in_english_with_zkd_lang_en(zkd, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZKD_LANG", "en")
    assert zkd("init").exit_code == 0
    r = zkd("claims", "approve", "9")
    assert r.exit_code == 1
    assert r.stderr.strip() == "Error: no claim #9; see `zkd claims list`"


def test_an_english_lang_gives_english_when_zkd_lang_is_unset(zkd, chinese, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert zkd("init").exit_code == 0
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").output \
        .startswith("Registered bank ZZB")


def test_a_success_message_is_in_chinese_by_default(zkd, chinese) -> None:  # type: ignore[no-untyped-def]
    assert zkd("init").exit_code == 0
    r = zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    assert r.output.strip() == "已登记银行 ZZB（郑州银行）。"


def test_help_and_its_headings_are_in_chinese_by_default(zkd, chinese) -> None:  # type: ignore[no-untyped-def]
    r = zkd("claims", "approve", "--help")
    assert r.exit_code == 0
    assert "用法：" in r.output and "选项" in r.output and "示例：" in r.output
    assert "批准已提交的补偿申请" in r.output and "显示本帮助并退出。" in r.output
    assert "Usage:" not in r.output


def test_the_same_help_is_english_again_in_the_same_process(zkd, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZKD_LANG", "zh")
    assert "用法：" in zkd("claims", "--help").output
    monkeypatch.setenv("ZKD_LANG", "en")
    r = zkd("claims", "--help")
    assert "Usage:" in r.output and "Commands" in r.output and "Compensation claims" in r.output


def test_click_usage_errors_are_in_chinese_by_default(zkd, chinese) -> None:  # type: ignore[no-untyped-def]
    r = zkd("claims", "reject")
    assert r.exit_code == 2
    assert r.stderr.startswith("错误：缺少参数") and "--help" in r.stderr
    r = zkd("claims", "approve", "1", "--bogus")
    assert "没有选项 '--bogus'" in r.stderr


def test_a_missing_option_or_argument_ends_without_an_english_full_stop(zkd, chinese) -> None:  # type: ignore[no-untyped-def]
    r = zkd("statement", "2025-01")
    assert r.exit_code == 2
    # (the test runner calls the program 'main')
    assert r.stderr.strip() == "错误：缺少选项 '-o' / '--output'（参见 'main statement --help'）"
    r = zkd("template")
    assert r.exit_code == 2
    assert r.stderr.startswith("错误：缺少参数 '{loans|events|subsidies}'。可选值：")
    assert "'." not in r.stderr


def test_a_missing_option_reads_as_click_writes_it_in_english(zkd) -> None:  # type: ignore[no-untyped-def]
    r = zkd("statement", "2025-01")
    assert r.stderr.strip() == "Error: Missing option '-o' / '--output'. (see 'main statement --help')"


def test_claims_list_and_show_name_the_rules_in_chinese_by_default(  # type: ignore[no-untyped-def]
        zkd, engine, chinese) -> None:
    from tests import factories as f
    from zhengkedai.domain.money import parse_yuan as y

    assert zkd("init").exit_code == 0
    f.claim_on_a_loss(engine, y("1,000,000"))
    listed = zkd("claims", "list")
    assert listed.exit_code == 0
    assert "补偿比例 1,000,000.00→800,000.00" in listed.output
    assert "compensation_ratio" not in listed.output
    shown = zkd("claims", "show", "1").output
    assert "补偿比例 [" in shown and "compensation_ratio" not in shown
