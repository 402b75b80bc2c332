"""The demo year, checked against figures worked out by hand from sample_data/.

Reserve at year end: deposits 55,000,000.00 + interest 380,850.00 + recovery
shares returned 1,080,000.00 − claims paid 9,480,000.00 − management fee
300,000.00 = 46,680,850.00. The year's two corrections (a loan filed twice,
withdrawn; a loss typed a zero short, withdrawn and filed again) change none
of these figures: what was withdrawn never became money.
"""

import json

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from zhengkedai_cli.main import main


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("demo")
    # module-scoped, so before the suite's English default is set: ask for English here
    result = CliRunner(env={"ZKD_LANG": "en"}).invoke(main, ["demo", "-o", str(out)],
                                                   catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_the_demo_tells_every_worked_example_of_the_spec(demo_dir) -> None:
    _, output = demo_dir
    for line in [
        "claim C1 opened: 2,000,000.00",   # credit loan, high-tech firm: 100%
        "claim C2 opened: 800,000.00",     # collateral loan: 80%
        "claim C3 opened: 960,000.00",     # the same firm past 3,000,000: 80%
        "claim C4 opened: 5,000,000.00",   # 80% of 7,000,000 capped
        "claim C5 opened: 0.00",           # made while ZYB was suspended
        "claim C7 (ZYB) paid 720,000.00",  # recovery of 100,000 before payment
        "recovery share of C2 returned: 80,000.00",
        "recovery share of C4 returned: 1,000,000.00",
        "closed 2025-05; suspended from next month: ZYB",
        "subsidy S5 (financing) paid 400,000.00",       # what is left of 1,000,000
        "subsidy S6 (investment_risk) paid 4,400,000.00",  # what is left of 5,000,000
        "reserve at year end: 46,680,850.00",
        "verify: OK",
    ]:
        assert line in output, line


def test_the_demo_writes_twelve_sealed_final_packs(demo_dir) -> None:
    out, _ = demo_dir
    months = sorted(p.name for p in (out / "statements").iterdir())
    assert months == [f"2025-{m:02d}" for m in range(1, 13)]
    december = out / "statements" / "2025-12"
    manifest = json.loads((december / "2025-12_manifest.json").read_text(encoding="utf-8"))
    assert manifest["draft"] is False
    assert {f["name"] for f in manifest["files"]} >= {
        "2025-12_reserve.pdf", "2025-12_claims.pdf", "2025-12_subsidies.pdf",
        "2025-12_trial_balance.pdf", "2025-12_institution_ZZB.pdf"}
    r = CliRunner().invoke(main, ["verify", "--pack", str(december), "--db",
                                  f"sqlite:///{out / 'demo.db'}"])
    assert r.exit_code == 0, r.output


def _pdf_text(path) -> str:  # type: ignore[no-untyped-def]
    return "".join(page.extract_text() for page in PdfReader(path).pages).replace(" ", "")


def test_the_demo_withdraws_a_loan_filed_twice_and_keeps_it_on_record(demo_dir) -> None:
    out, output = demo_dir
    assert "withdrew loan ZZB-2025-011 (ZZB): 重复报送，与ZZB-2025-010为同一笔贷款" in output
    r = CliRunner().invoke(main, ["loans", "list", "--institution", "ZZB", "--format", "json",
                                  "--db", f"sqlite:///{out / 'demo.db'}"])
    assert r.exit_code == 0, r.output
    loans = {loan["loan_no"]: loan for loan in json.loads(r.output)}
    assert loans["ZZB-2025-011"]["status"] == "withdrawn"
    assert loans["ZZB-2025-010"]["status"] != "withdrawn"
    # April's closed 对账单 keeps what it showed; May's lists the correction
    april = _pdf_text(out / "statements" / "2025-04" / "2025-04_institution_ZZB.pdf")
    may = _pdf_text(out / "statements" / "2025-05" / "2025-05_institution_ZZB.pdf")
    assert "ZZB-2025-011" in april and "更正" not in april
    assert "、更正" in may and "ZZB-2025-011" in may and "重复报送" in may


def test_the_demo_refiles_a_mistyped_loss_and_pays_only_the_right_one(demo_dir) -> None:
    out, output = demo_dir
    november = output[output.index("2025-11:"):output.index("2025-12:")]
    assert [line.strip() for line in november.splitlines()[1:7]] == [
        "submitted 2025-11_ZYB_events.csv: 1 row",
        "claim C6 opened: 80,000.00",  # 100,000 typed for 1,000,000
        "withdrew event #15 (loss 100,000.00 on loan ZYB-25-03, ZYB): "
        "损失金额录入错误，应为1,000,000",
        "claim C6 withdrawn with it",
        "submitted 2025-11_ZYB_events_refiled.csv: 2 rows",
        "claim C7 opened: 720,000.00",
    ]
    assert "C6 (ZYB) paid" not in output
    statement = _pdf_text(out / "statements" / "2025-11" / "2025-11_institution_ZYB.pdf")
    assert "、更正" in statement and "损失金额录入错误" in statement
