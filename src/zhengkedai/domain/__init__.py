"""Pure domain: money, periods, the ledger, policy rules and statement figures. No I/O here."""
