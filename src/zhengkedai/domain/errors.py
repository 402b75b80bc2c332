"""Errors the library raises for a refusal: one line, shown to the user as ``Error: …``.

A refused command changes nothing. Bad rows of a file are not exceptions but
records (see ``zhengkedai.imports``); these classes are for whole refusals.
"""

from __future__ import annotations


class ZkdError(Exception):
    """A refusal with a message fit for the user's screen. Exit status 1."""

    exit_code = 1


class NotFound(ZkdError):
    """Something named on the command line does not exist."""


class InvariantViolation(ZkdError):
    """A rule of the ledger would be broken (unbalanced entry, negative fund, closed month)."""


class InsufficientFunds(InvariantViolation):
    """A payment larger than the fund's available cash; the shortfall is named."""


class InputRejected(ZkdError):
    """A file was rejected; its errors have been reported row by row."""

    exit_code = 2
