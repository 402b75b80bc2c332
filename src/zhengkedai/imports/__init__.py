"""Reading bank files: encodings and spreadsheets, header matching, cell parsers, row records.

Pure: no database. The importing service calls :func:`read_file`, then
``check()`` for every error and ``batches()`` for the valid records in file
order (see :mod:`zhengkedai.imports.parse`).
"""

from .eligibility import DEFAULT_RULES, EligibilityRules, eligibility_errors
from .parse import ParsedFile, ParsedRow, RowResult, read_file
from .readers import FileRejected
from .records import EventRecord, LoanRecord, Record, SubsidyKind, SubsidyRecord
from .rowerrors import RowError, write_errors_csv
from .schema import FileKind
from .templates import write_template
from .uscc import is_valid_uscc, make_uscc, uscc_error

__all__ = [
    "DEFAULT_RULES", "EligibilityRules", "EventRecord", "FileKind", "FileRejected", "LoanRecord",
    "ParsedFile", "ParsedRow", "Record", "RowError", "RowResult", "SubsidyKind", "SubsidyRecord",
    "eligibility_errors", "is_valid_uscc", "make_uscc", "read_file", "uscc_error",
    "write_errors_csv", "write_template",
]
