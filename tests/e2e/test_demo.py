"""The demo year, checked against figures worked out by hand from sample_data/.

Reserve at year end: deposits 55,000,000.00 + interest 380,850.00 + recovery
shares returned 1,080,000.00 − claims paid 9,480,000.00 − management fee
300,000.00 = 46,680,850.00.
"""

import json

import pytest
from click.testing import CliRunner

from zhengkedai_cli.main import main


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "-o", str(out)], catch_exceptions=False)
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
        "claim C6 (ZYB) paid 720,000.00",  # recovery of 100,000 before payment
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
