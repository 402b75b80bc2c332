"""Re-checking the books (`zkd verify`): one explicit list of checks."""
