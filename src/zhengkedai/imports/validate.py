"""Row validation: raw cells of one row to a record, or to that row's errors.

A :class:`RowValidator` is made for one pass over one file. For each row it
parses every bound cell with its column parser (all cells, not up to the first
bad one), applies the defaults of absent optional columns, then the row rules
whose inputs parsed (dates in order, eligibility, event amounts, subsidy
investee and beneficiary) and the file-scope rules: a loan number repeated in
the file, and a subsidy reference repeated for the same beneficiary and kind
(the second occurrence is the error, naming the first row).

Rules needing the ledger (unknown loan, outstanding principal, duplicates
against the database, closed months, institution codes) are the importing
service's, not this module's.

Invariant: :meth:`RowValidator.validate` returns a record that satisfies its
model's validation, or a non-empty list of errors; it raises nothing for any
row a reader can yield. :meth:`RowValidator.validate_rows` does the same for
many rows a column at a time (each distinct text parsed once), handing any
row that fails to ``validate`` itself, so errors and their order are the same.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from ..i18n import _, code_name
from .columns import CellError, is_empty
from .eligibility import DEFAULT_RULES, EligibilityRules, eligibility_errors, registration_error
from .headers import Header
from .readers import Cell
from .records import (
    SUBSIDY_KIND_ZH,
    EventRecord,
    LoanRecord,
    Record,
    SubsidyKind,
    SubsidyRecord,
    amount_rule_error,
    construct,
    investee_error,
    maturity_error,
)
from .rowerrors import RowError, cell_text
from .schema import FileKind
from .uscc import normalize_uscc, uscc_error

RulesOn = Callable[[dt.date], EligibilityRules]

_MISS = object()

_CACHE_SIZE = 4096

Values = dict[str, Any]
Problems = list[tuple[str, str]]  # (column key, message)


class Checked(NamedTuple):
    """Several rows validated at once: the valid ones as columns, the others' errors.

    ``columns`` maps each field key, in the order of a record's fields, to the
    values of the valid rows (``rows``, in file order); ``errors`` are the
    refused rows' errors, in file order.
    """

    rows: list[int]
    columns: dict[str, list[Any]]
    errors: list[RowError]


class RowValidator:
    """Validates the rows of one file, in order, remembering what file-scope rules need."""

    def __init__(self, file_name: str, header: Header,
                 rules_on: RulesOn = DEFAULT_RULES, *,
                 track_duplicates: bool = True) -> None:
        self.file_name = file_name
        # Remembering every loan number costs memory in proportion to the file; a
        # caller that finds repeats another way (the import service, through the
        # rows it has already written) turns this off to keep memory flat: then
        # only refused rows' keys are remembered, since those are never written.
        self.track_duplicates = track_duplicates
        self.header = header
        self.rules_on = rules_on
        self._columns: list[tuple[int, str, Callable[[Cell], Any], str, dict[str, Any]]] = [
            (b.index, b.field.key, b.parser.parse, b.header, {}) for b in header.columns]
        self._headers = {b.field.key: b.header for b in header.columns}
        self._defaults = {f.key: f.column.parse(None) for f in header.missing}
        self._extra_reported: set[int] = set()
        self._bound_positions = {b.index for b in header.columns}
        self._model: Any = {FileKind.LOANS: LoanRecord, FileKind.EVENTS: EventRecord,
                            FileKind.SUBSIDIES: SubsidyRecord}[header.kind]
        self._rules: Callable[[Values, int], Problems] = {
            FileKind.LOANS: self._loan_rules,
            FileKind.EVENTS: self._event_rules,
            FileKind.SUBSIDIES: self._subsidy_rules,
        }[header.kind]
        self._first_row: dict[Any, int] = {}
        self._cells: list[Cell] = []
        # a record's field order: absent optional columns first, then the file's
        self.keys: tuple[str, ...] = (*self._defaults, *(b.field.key for b in header.columns))
        self._row_rules: Callable[[dict[str, list[Any]], list[int], set[int]], None] | None = {
            FileKind.LOANS: self._loan_rules_columns,
            FileKind.EVENTS: self._event_rules_columns,
            FileKind.SUBSIDIES: None,  # stateful and rewriting: row by row
        }[header.kind]
        self._eligible: dict[tuple[str, int, dt.date], bool] = {}
        self._wide: set[int] = set()  # positions of columns seen to be mostly distinct
        self._missed: set[int] = set()  # positions whose cells were not all in the cache
        # each XLSX column's cells parsed, by type and value (see _typed)
        self._typed_cache: dict[int, dict[Any, Any]] = {}

    def validate(self, number: int, cells: list[Cell]) -> Record | list[RowError]:
        """The row's record, or its errors (never empty)."""
        values: Values = dict(self._defaults)
        errors: list[RowError] = []
        n = len(cells)
        for index, key, parse, header, cache in self._columns:
            cell = cells[index] if index < n else None
            # Parsers are pure, so a text seen before (a date, a rate, 是) is not parsed again.
            if cell.__class__ is str:
                value = cache.get(cell, _MISS)
                if value is not _MISS:
                    values[key] = value
                    continue
            try:
                value = parse(cell)
            except CellError as exc:
                errors.append(RowError(self.file_name, number, header, cell_text(cell), str(exc)))
                continue
            values[key] = value
            if cell.__class__ is str and len(cache) < _CACHE_SIZE:
                cache[cell] = value
        if n > self.header.width:
            self._extra_cells(number, cells, errors)
        self._cells = cells
        for key, message in self._rules(values, number):
            errors.append(self._error(number, key, message))
        if errors:
            if not self.track_duplicates:
                self._remember_refused(values, number)
            return errors
        return construct(self._model, values)  # type: ignore[no-any-return]

    def validate_rows(self, numbers: Sequence[int], rows: Sequence[list[Cell]], *,
                      text: bool = False) -> Checked:
        """:meth:`validate` of each row in order, a column at a time.

        The outcome (every error, in order) and what the validator remembers
        afterwards are those of calling :meth:`validate` on each row in turn.
        Each column's distinct texts are parsed once, and the row rules run
        over whole columns; a row that fails anything, or whose shape is
        unusual, is handed to :meth:`validate` itself, so its errors are
        exactly that method's. ``text`` says every cell is ``str`` (a CSV file).
        """
        keys = self.keys
        n = len(rows)
        lengths = set(map(len, rows))
        if n == 0 or len(lengths) != 1 or self._row_rules is None:
            return self._one_by_one(numbers, rows)
        (length,) = lengths
        cells_by_column = list(zip(*rows, strict=True)) if length else []
        bad: set[int] = set()
        columns: dict[str, list[Any]] = {k: [v] * n for k, v in self._defaults.items()}
        for i in range(self.header.width, length):  # cells right of the last header
            extra = cells_by_column[i]
            if not all(map(is_empty, extra)):
                bad.update(p for p, cell in enumerate(extra) if not is_empty(cell))
        for index, key, parse, _header, cache in self._columns:
            column = cells_by_column[index] if index < length else (None,) * n
            if index in self._wide and text:
                # a column of (nearly) all-different texts, such as the loan
                # number: sharing buys nothing, parse each cell
                try:
                    columns[key] = list(map(parse, column))
                    continue
                except CellError:
                    pass  # find which, below
            if text and cache and index not in self._wide:
                # every text seen (and parsed) before: one pass, no sharing to find;
                # a column that missed last time waits a chunk before trying again
                if index in self._missed:
                    self._missed.discard(index)
                else:
                    try:
                        columns[key] = list(map(cache.__getitem__, column))
                        continue
                    except KeyError:
                        self._missed.add(index)
            try:
                distinct: dict[Any, Any] = dict.fromkeys(column)
            except TypeError:  # an unhashable cell (a signalling NaN): no shortcuts
                return self._one_by_one(numbers, rows)
            if text or all(cell is None or cell.__class__ is str for cell in distinct):
                # text (or nothing): each distinct text parsed once; parsers are
                # pure, so this is what parsing each cell gives
                failed = False
                for cell in distinct:
                    value = cache.get(cell, _MISS) if cell is not None else _MISS
                    if value is _MISS:
                        try:
                            value = parse(cell)
                        except CellError:
                            value, failed = _MISS, True
                        else:
                            if cell is not None and len(cache) < _CACHE_SIZE:
                                cache[cell] = value
                    distinct[cell] = value
                values = list(map(distinct.__getitem__, column))
                if n >= 100 and 2 * len(distinct) > n:
                    self._wide.add(index)
                else:
                    self._wide.discard(index)
            else:
                values, failed = self._typed(column, parse, index)
            if failed:
                bad.update(p for p, value in enumerate(values) if value is _MISS)
            columns[key] = values
        self._row_rules(columns, list(range(n)) if not bad else
                        [p for p in range(n) if p not in bad], bad)
        columns = {k: columns[k] for k in keys if k in columns}
        key_column = self._key_column()
        if not bad:
            # no row handed to validate() below has remembered anything in
            # between, so the in-file repeat rule can run over the whole column;
            # the repeats found are handed over after, which remembers nothing new
            if key_column is not None and self.track_duplicates:
                seen = map(self._first_row.setdefault, columns[key_column], numbers)
                bad.update(p for p, (first, number) in enumerate(zip(seen, numbers, strict=True))
                           if first != number)
            elif key_column is not None and self._first_row:
                first_row = self._first_row
                bad.update(p for p, k in enumerate(columns[key_column]) if k in first_row)
            if not bad:
                return Checked(list(numbers), columns, [])
            check_once = False
        else:
            # rows handed over remember keys: the repeat rule runs strictly in order
            check_once = key_column is not None
        once = self._once
        key_values = columns[key_column] if key_column is not None else []
        validate = self.validate
        valid: list[int] = []
        errors: list[RowError] = []
        for p in range(n):
            if p in bad or (check_once and once(key_values[p], numbers[p]) is not None):
                outcome = validate(numbers[p], rows[p])
                if isinstance(outcome, list):
                    errors.extend(outcome)
                    continue
            valid.append(p)
        return Checked([numbers[p] for p in valid],
                       {k: [v[p] for p in valid] for k, v in columns.items()}, errors)

    def _typed(self, column: Sequence[Cell], parse: Callable[[Cell], Any],
               index: int) -> tuple[list[Any], bool]:
        """The parsed values of a column of XLSX cells (``_MISS`` where one fails), and
        whether one did: each distinct cell parsed once (parsers are pure).

        Cells are told apart by their type as well as their value (1, True and
        Decimal(1) are equal in Python, not to a parser), in a column holding a
        Decimal by their type and text (1.5 and 1.50 are equal, but not as written).
        """
        types = list(map(type, column))
        # a cell's text is exact (str(Decimal("1.50")) is "1.50"), but slower than the cell
        keys: list[Any] = list(zip(types, map(str, column) if Decimal in types else column,
                                   strict=True))
        cache = self._typed_cache.setdefault(index, {})
        if len(cache) > _CACHE_SIZE:
            cache.clear()
        failed = False
        for key, cell in dict(zip(keys, column, strict=True)).items():
            if key not in cache:
                try:
                    cache[key] = parse(cell)
                except CellError:
                    cache[key] = _MISS
            if cache[key] is _MISS:
                failed = True
        return list(map(cache.__getitem__, keys)), failed

    def _one_by_one(self, numbers: Sequence[int], rows: Sequence[list[Cell]]) -> Checked:
        valid: list[int] = []
        records: list[Values] = []
        errors: list[RowError] = []
        for number, cells in zip(numbers, rows, strict=True):
            outcome = self.validate(number, cells)
            if isinstance(outcome, list):
                errors.extend(outcome)
            else:
                valid.append(number)
                records.append(outcome.__dict__)
        keys = [k for k in self.keys if records and k in records[0]]
        return Checked(valid, {k: [r[k] for r in records] for k in keys}, errors)

    def _key_column(self) -> str | None:
        """The column of the in-file repeat rule of a column-wise kind, if bound."""
        if self.header.kind is FileKind.LOANS and "loan_no" in self._headers:
            return "loan_no"
        return None

    def _loan_rules_columns(self, c: dict[str, list[Any]], good: list[int], bad: set[int]) -> None:
        """The pure rules of :meth:`_loan_rules` over columns: rows breaking one join ``bad``."""
        every = len(good) == len(next(iter(c.values()), ()))
        if "disbursed_on" in c and "maturity_on" in c:
            disbursed, maturity = c["disbursed_on"], c["maturity_on"]
            if not every or any(map(operator.le, maturity, disbursed)):
                bad.update(p for p in good if maturity[p] <= disbursed[p])
        if "credit_code" in c and "revenue_prev_year" in c and "disbursed_on" in c:
            codes, revenues, days = c["credit_code"], c["revenue_prev_year"], c["disbursed_on"]
            keys = (list(zip(codes, revenues, days, strict=True)) if every
                    else [(codes[p], revenues[p], days[p]) for p in good])
            eligible = self._eligible
            if len(eligible) > _CACHE_SIZE:
                eligible.clear()
            oks = list(map(eligible.get, keys))
            if None in oks:
                rules_on = self.rules_on
                for i, ok in enumerate(oks):
                    if ok is None:
                        code, revenue, day = key = keys[i]
                        ok = eligible.get(key)  # an earlier row of this batch
                        if ok is None:
                            ok = eligible[key] = not eligibility_errors(code, revenue,
                                                                        rules_on(day))
                        oks[i] = ok
            if not all(oks):
                bad.update(p for p, ok in zip(good, oks, strict=True) if not ok)

    def _event_rules_columns(self, c: dict[str, list[Any]], good: list[int],
                             bad: set[int]) -> None:
        if "event" in c and "amount" in c:
            events, amounts = c["event"], c["amount"]
            bad.update(p for p in good if amounts[p] == 0 and amount_rule_error(events[p], 0))

    def _error(self, number: int, key: str, message: str) -> RowError:
        header = self._headers.get(key, key)
        index = next((b.index for b in self.header.columns if b.field.key == key), None)
        cell = self._cells[index] if index is not None and index < len(self._cells) else None
        return RowError(self.file_name, number, header, cell_text(cell), message)

    def _extra_cells(self, number: int, cells: list[Cell], errors: list[RowError]) -> None:
        """A value right of the last header is reported once per column, at its first row."""
        for i in range(self.header.width, len(cells)):
            if i not in self._extra_reported and not is_empty(cells[i]):
                self._extra_reported.add(i)
                errors.append(RowError(self.file_name, number,
                                       _("column {number}").format(number=i + 1),
                                       cell_text(cells[i]),
                                       _("a value in a column without a header")))

    def _once(self, key: Any, number: int) -> int | None:
        """The first row that had ``key``, or None (and remember this row)."""
        first = self._first_row.get(key)
        if first is None and self.track_duplicates:
            self._first_row[key] = number
        return first

    def _remember_refused(self, values: Values, number: int) -> None:
        """Without full tracking, still remember the key of a refused row (it is not
        written, so the caller cannot find it later): as many keys as errors."""
        if self.header.kind is FileKind.LOANS:
            key: Any = values.get("loan_no")
        elif self.header.kind is FileKind.SUBSIDIES and all(
                k in values for k in ("kind", "beneficiary", "reference")):
            key = (values["kind"], values["beneficiary"], values["reference"])
        else:
            key = None
        if key is not None:
            self._first_row.setdefault(key, number)

    def _loan_rules(self, v: Values, number: int) -> Problems:
        problems: Problems = []
        if "disbursed_on" in v and "maturity_on" in v:
            reason = maturity_error(v["disbursed_on"], v["maturity_on"])
            if reason:
                problems.append(("maturity_on", reason))
        if "credit_code" in v and "revenue_prev_year" in v and "disbursed_on" in v:
            rules = self.rules_on(v["disbursed_on"])
            problems.extend(eligibility_errors(v["credit_code"], v["revenue_prev_year"], rules))
        if "loan_no" in v:
            first = self._once(v["loan_no"], number)
            if first is not None:
                problems.append(("loan_no", _("loan number {loan_no} repeats row {first} of this "
                                              "file").format(loan_no=v["loan_no"], first=first)))
        return problems

    def _event_rules(self, v: Values, number: int) -> Problems:
        if "event" in v and "amount" in v:
            reason = amount_rule_error(v["event"], v["amount"])
            if reason:
                return [("amount", reason)]
        return []

    def _subsidy_rules(self, v: Values, number: int) -> Problems:
        problems: Problems = []
        kind = v.get("kind")
        year = v.get("period")
        # the eligibility parameters in force at the end of the subsidy's year
        rules = self.rules_on(dt.date(year, 12, 31) if year else dt.date.max)
        if kind is not None and "investee" in v:
            reason = investee_error(kind, v["investee"])
            if reason:
                problems.append(("investee", reason))
            elif v["investee"] is not None:
                # SPEC 9: investment-risk subsidies are for investing in the city's firms.
                reason = registration_error(v["investee"], rules)
                if reason:
                    problems.append(("investee", reason.replace(_("enterprise"), _("investee"), 1)))
        if kind is not None and "beneficiary" in v and kind is not SubsidyKind.INVESTMENT_RISK:
            code = normalize_uscc(v["beneficiary"])
            reason = uscc_error(code)
            if reason:
                problems.append(("beneficiary", _("a {kind} subsidy goes to an enterprise: "
                                                  "{reason}").format(
                                                      kind=code_name(SUBSIDY_KIND_ZH, kind),
                                                      reason=reason)))
            else:
                v["beneficiary"] = code
                # A programme choice (SPEC silent): the city's subsidy budget pays
                # the city's enterprises, as the investee rule and the loans have it.
                reason = registration_error(code, rules)
                if reason:
                    problems.append(("beneficiary",
                                     reason.replace(_("enterprise"), _("beneficiary"), 1)))
        if kind is not None and "beneficiary" in v and "reference" in v:
            first = self._once((kind, v["beneficiary"], v["reference"]), number)
            if first is not None:
                problems.append(("reference", _("reference {reference} repeats row {first} for "
                                                "the same beneficiary and {kind}").format(
                                                    reference=v["reference"], first=first,
                                                    kind=code_name(SUBSIDY_KIND_ZH, kind))))
        return problems
