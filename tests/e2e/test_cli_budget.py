"""``zkd budget deposit|status``: the subsidy budget's money in, committed and available."""

from __future__ import annotations

import json

from tests.e2e.test_cli_subsidies import one_error


def test_budget_deposit_and_status(zkd) -> None:
    r = zkd("budget", "deposit", "10,000,000", "--on", "2025-01-03", "--ref", "CZ-3")
    assert r.exit_code == 0 and "Deposited 10,000,000.00 into the subsidy budget" in r.output
    assert zkd("budget", "deposit", "10,000,000", "--on", "2025-01-03", "--ref", "CZ-3"
               ).exit_code == 0  # the same voucher: once
    doc = json.loads(zkd("budget", "status", "--on", "2025-01-31", "--format", "json").output)
    assert doc == {"on": "2025-01-31", "balance": "10000000.00", "committed": "0.00",
                   "available": "10000000.00", "contributed": "10000000.00", "paid": "0.00"}
    assert "balance,10000000.00" in zkd("budget", "status", "--format", "csv").output
    assert "10,000,000.00" in zkd("budget", "status", "--on", "2025-01-31").output
    one_error(zkd("budget", "deposit", "--ref", "V-1", "0", "--on", "2025-01-03"), "greater than 0")
