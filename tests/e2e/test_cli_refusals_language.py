"""Refusals of the funds and of loan withdrawals speak Chinese by default, English with
ZKD_LANG=en (SPEC 12): the same refusal, word for word, in each language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli_submit import EVENT_HEAD, LOAN_HEAD, loan_line, write

LANGUAGES = ("zh", "en")


def speak(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    """``zh``: no language set at all (the default); ``en``: ZKD_LANG=en."""
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    if lang == "en":
        monkeypatch.setenv("ZKD_LANG", "en")


def refusal(result) -> str:  # type: ignore[no-untyped-def]
    """The one line a refused command writes; it wrote nothing else."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return str(lines[0])


@pytest.fixture
def office(zkd_frozen):  # type: ignore[no-untyped-def]
    """Two deposit banks; ZZB holds 1,000,000.00 of the reserve from city finance."""
    zkd = zkd_frozen
    assert zkd("init").exit_code == 0
    for code, name in (("ZZB", "郑州银行"), ("ZYB", "中原银行")):
        assert zkd("institution", "add", code, "--name", name, "--kind", "bank").exit_code == 0
    assert zkd("reserve", "deposit", "1,000,000", "--source", "city", "--at", "ZZB",
               "--on", "2025-01-02", "--ref", "CZ-1").exit_code == 0
    return zkd


@pytest.mark.parametrize("lang, expected", [
    ("zh", "错误：资金来源 'town' 应为 'city'（市级财政）或 'district:区县名称'"),
    ("en", "Error: deposit source 'town' must be 'city' or 'district:NAME'"),
])
def test_a_deposit_from_an_unknown_source_is_refused_in_the_readers_language(
        office, monkeypatch, lang: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    speak(monkeypatch, lang)
    r = office("reserve", "deposit", "5,000", "--source", "town", "--at", "ZZB",
               "--on", "2025-01-03", "--ref", "CZ-2")
    assert refusal(r) == expected


@pytest.mark.parametrize("lang, expected", [
    ("zh", "错误：风险补偿准备金账户 reserve:cash:ZZB 在 2025-01-03 及以后的余额为 "
           "1,000,000.00 元；支付 1,500,000.00 元尚缺 500,000.00 元"),
    ("en", "Error: the risk-compensation reserve's cash on reserve:cash:ZZB is 1,000,000.00 on "
           "or after 2025-01-03; paying 1,500,000.00 is short by 500,000.00"),
])
def test_a_transfer_the_bank_cannot_cover_is_refused_in_the_readers_language(
        office, monkeypatch, lang: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    speak(monkeypatch, lang)
    r = office("reserve", "transfer", "1,500,000", "--from", "ZZB", "--to", "ZYB",
               "--on", "2025-01-03", "--ref", "TR-1")
    assert refusal(r) == expected
    speak(monkeypatch, "en")
    assert "1,000,000.00" in office("reserve", "status", "--on", "2025-01-03").output


@pytest.mark.parametrize("lang, source, words", [
    ("zh", "city", "市级财政"), ("zh", "district:金水区", "区县财政（金水区）"),
    ("en", "city", "from city at ZZB"), ("en", "district:金水区", "from district:金水区 at ZZB"),
])
def test_a_deposit_names_its_source_in_the_readers_words(  # type: ignore[no-untyped-def]
        office, monkeypatch, lang: str, source: str, words: str) -> None:
    speak(monkeypatch, lang)
    r = office("reserve", "deposit", "5,000", "--source", source, "--at", "ZZB",
               "--on", "2025-01-03", "--ref", f"CZ-{source}")
    assert r.exit_code == 0, r.stderr
    assert words in r.output


@pytest.fixture
def approved_loss(office, tmp_path: Path):  # type: ignore[no-untyped-def]
    """ZZB filed L1 and a loss on it; the claim it opened (#1) is approved."""
    loans = write(tmp_path, "loans.csv", f"{LOAN_HEAD}\n{loan_line('L1', 1)}\n")
    assert office("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "events.csv", f"{EVENT_HEAD}\nL1,损失确认,2025-03-01,\"200,000\",\n")
    assert office("submit", str(events), "--institution", "ZZB").exit_code == 0
    assert office("claims", "approve", "1", "--on", "2025-03-31").exit_code == 0
    return office


@pytest.mark.parametrize("lang, expected", [
    ("zh", "错误：补偿申请 #1 依赖于 ZZB 的贷款 L1，已批准；请先驳回"
           "（`zkd claims reject 1 --reason 原因`），再撤回"),
    ("en", "Error: claim #1, which depends on loan L1 of ZZB, is approved; reject it first "
           "(`zkd claims reject 1 --reason TEXT`), then withdraw"),
])
def test_withdrawing_a_loan_with_an_approved_claim_is_refused_in_the_readers_language(
        approved_loss, monkeypatch, lang: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    speak(monkeypatch, lang)
    assert refusal(approved_loss("loans", "withdraw", "L1", "--reason", "filed twice")) == expected


@pytest.mark.parametrize("lang, expected", [
    ("zh", "错误：没有贷款 L9；见 `zkd loans list`"),
    ("en", "Error: no loan L9; see `zkd loans list`"),
])
def test_withdrawing_a_loan_never_filed_is_refused_in_the_readers_language(
        office, monkeypatch, lang: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    speak(monkeypatch, lang)
    assert refusal(office("loans", "withdraw", "L9", "--reason", "x")) == expected
