"""Bank and staff files: reading, checking against the ledger, writing in bulk."""
