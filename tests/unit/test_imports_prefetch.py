"""Reading ahead in a child process: the same items, the same exceptions, no stray process."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from zhengkedai.imports import prefetch
from zhengkedai.imports.readers import FileRejected

pytestmark = pytest.mark.skipif(not prefetch.sys.platform.startswith("linux"),
                                reason="reading ahead uses fork (Linux only)")


def numbers(n: int) -> Iterator[list[int]]:
    for i in range(n):
        yield [i] * 1000


def test_items_arrive_complete_and_in_order() -> None:
    assert list(prefetch.ahead(lambda: numbers(50))) == list(numbers(50))
    assert not multiprocessing.active_children()


def test_an_exception_in_the_child_is_raised_in_the_parent_as_it_was() -> None:
    def produce() -> Iterator[int]:
        yield 1
        raise FileRejected("loans.csv: row 7: not readable as CSV (field larger than field limit)")

    got = prefetch.ahead(produce)
    assert next(got) == 1
    with pytest.raises(FileRejected, match="row 7: not readable as CSV"):
        next(got)
    assert not multiprocessing.active_children()


def test_an_exception_that_cannot_travel_is_reported_with_its_traceback() -> None:
    class Local(Exception):  # defined in a function: pickle cannot find it by name
        pass

    def produce() -> Iterator[int]:
        raise Local("the reader's own words")
        yield 0  # pragma: no cover

    with pytest.raises(prefetch.ReaderDied, match="the reader's own words"):
        list(prefetch.ahead(produce))


def test_a_child_that_dies_without_a_word_is_an_error_not_a_hang() -> None:
    def produce() -> Iterator[int]:
        yield 1
        os._exit(3)

    got = prefetch.ahead(produce)
    assert next(got) == 1
    with pytest.raises(prefetch.ReaderDied, match="exit code 3"):
        next(got)


def test_stopping_early_stops_the_child() -> None:

    def endless() -> Iterator[int]:
        i = 0
        while True:
            yield i
            i += 1

    got = prefetch.ahead(endless)
    assert [next(got) for _ in range(3)] == [0, 1, 2]
    got.close()
    assert not multiprocessing.active_children()


def test_only_files_worth_a_second_process_get_one(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_bytes(b"x" * 100)
    large.write_bytes(b"x" * 4096)
    monkeypatch.setattr(prefetch, "MIN_BYTES", 4096)
    monkeypatch.setattr(prefetch.os, "cpu_count", lambda: 2)
    assert not prefetch.worth_it(small) and prefetch.worth_it(large)
    assert not prefetch.worth_it(tmp_path / "missing.csv")
    monkeypatch.setattr(prefetch.os, "cpu_count", lambda: 1)  # nothing to overlap with
    assert not prefetch.worth_it(large)


def test_the_child_holds_none_of_the_parents_files(tmp_path: Path) -> None:
    """A database connection open in the parent (here, a file) is not held by the reader."""
    ledger = tmp_path / "ledger.db"
    with ledger.open("wb") as held:

        def targets() -> Iterator[list[str]]:
            fds = os.listdir("/proc/self/fd")
            yield [os.path.realpath(f"/proc/self/fd/{fd}") for fd in fds]

        [seen] = list(prefetch.ahead(targets))
        assert not held.closed
    assert str(ledger) not in seen
    assert not multiprocessing.active_children()


def test_the_child_asks_to_die_with_its_parent() -> None:
    def death_signal() -> Iterator[int]:
        import ctypes

        value = ctypes.c_int()
        ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
        yield value.value

    assert list(prefetch.ahead(death_signal)) == [9]  # SIGKILL
