"""Payment notices (付款通知书): written for an approved or paid claim, refused otherwise (SPEC 12)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests import factories as f
from zhengkedai.domain.money import parse_yuan as y


@pytest.fixture
def one_claim(zkd, engine):  # type: ignore[no-untyped-def]
    """ZZB, with a payee account and 2,000,000.00 in the reserve; claim 1 on a 1,234,567.89 loss."""
    assert zkd("init").exit_code == 0
    f.claim_on_a_loss(engine, y("1,234,567.89"), reserve=y("2,000,000"))
    assert zkd("institution", "update", "ZZB", "--account-name", "郑州银行股份有限公司",
               "--account-no", "6228480012345678", "--account-bank", "郑州银行营业部").exit_code == 0
    assert zkd("settings", "set", "issuer", "郑州市科学技术局").exit_code == 0
    return zkd


def _text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages).replace(" ", "")


def test_a_submitted_claim_has_no_notice(one_claim, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = one_claim("claims", "notice", "1", "-o", str(tmp_path / "notices"))
    assert r.exit_code == 1
    assert "claim #1 is submitted; a payment notice is written only for an approved or paid one" \
        in r.stderr
    assert not (tmp_path / "notices").exists()


def test_a_rejected_claim_has_no_notice(one_claim, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert one_claim("claims", "reject", "1", "--reason", "材料不全").exit_code == 0
    assert one_claim("claims", "notice", "1", "-o", str(tmp_path)).exit_code == 1


# One office approving and paying under two names is the single-office ledger's way;
# on PostgreSQL that takes two logins (maker-checker), shown in test_roles_postgres.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_paid_claims_notice_states_payee_account_figures_capitals_and_approvals(  # type: ignore[no-untyped-def]
        one_claim, tmp_path, monkeypatch) -> None:
    assert one_claim("claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    monkeypatch.setenv("ZKD_OPERATOR", "cashier")
    assert one_claim("claims", "pay", "1", "--on", "2025-03-12").exit_code == 0
    r = one_claim("claims", "notice", "C1", "-o", str(tmp_path))
    assert r.exit_code == 0, r.output
    pdf = tmp_path / "付款通知书_ZKD-BC-000001.pdf"
    text = _text(pdf)
    # 80% of 1,234,567.89 = 987,654.312 → 987,654.31
    for expected in ("损失补偿付款通知书", "ZKD-BC-000001", "郑州市科学技术局",
                     "郑州银行股份有限公司", "6228480012345678", "郑州银行营业部",
                     "¥987,654.31", "人民币玖拾捌万柒仟陆佰伍拾肆元叁角壹分", "风险补偿准备金",
                     "L1", "1,234,567.89", "clerk，2025-03-10", "cashier，2025-03-12", "盖章"):
        assert expected in text, expected
    assert PdfReader(pdf).pages.__len__() == 1


def test_an_approved_unpaid_claims_notice_says_it_is_not_yet_paid(one_claim, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert one_claim("claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    assert one_claim("claims", "notice", "1", "-o", str(tmp_path)).exit_code == 0
    first = (tmp_path / "付款通知书_ZKD-BC-000001.pdf").read_bytes()
    assert "尚未支付" in _text(tmp_path / "付款通知书_ZKD-BC-000001.pdf")
    assert one_claim("claims", "notice", "1", "-o", str(tmp_path)).exit_code == 0
    assert (tmp_path / "付款通知书_ZKD-BC-000001.pdf").read_bytes() == first


def test_a_notice_renders_to_an_image(one_claim, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("shutil").which("pdftoppm") or pytest.skip("no pdftoppm")
    assert one_claim("claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    assert one_claim("claims", "notice", "1", "-o", str(tmp_path)).exit_code == 0
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(tmp_path / "付款通知书_ZKD-BC-000001.pdf"),
                    str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 1000


def test_a_submitted_subsidy_has_no_notice_and_an_unknown_one_is_named(zkd, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert zkd("init").exit_code == 0
    r = zkd("subsidies", "notice", "7", "-o", str(tmp_path / "n"))
    assert r.exit_code == 1 and "7" in r.stderr



def test_a_notice_without_an_issuing_body_is_written_with_a_warning(  # type: ignore[no-untyped-def]
        zkd, engine, tmp_path) -> None:
    assert zkd("init").exit_code == 0
    f.claim_on_a_loss(engine, y("1,000,000"), reserve=y("2,000,000"))
    assert zkd("claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    r = zkd("claims", "notice", "1", "-o", str(tmp_path / "unset"))
    assert r.exit_code == 0 and (tmp_path / "unset" / "付款通知书_ZKD-BC-000001.pdf").exists()
    assert "no issuing body is set" in r.stderr and "zkd settings set issuer" in r.stderr
    assert zkd("settings", "set", "issuer", "郑州市科学技术局").exit_code == 0
    r = zkd("claims", "notice", "1", "-o", str(tmp_path / "set"))
    assert r.exit_code == 0 and "no issuing body" not in r.stderr
