"""Writing a file from chunks: produced as it is written, renamed into place only whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zhengkedai.outputs import write_atomic, write_folder


def test_chunks_are_written_in_order_as_they_are_produced(tmp_path: Path) -> None:
    seen: list[str] = []

    def chunks() -> Iterator[bytes]:
        for n in range(3):
            seen.append(f"chunk {n}")
            yield f"{n},".encode()

    produced = chunks()
    write_folder(tmp_path / "out", {"a.csv": b"head\n", "b.csv": produced}, "the test",
                 ledger=None)
    assert seen == ["chunk 0", "chunk 1", "chunk 2"]
    assert (tmp_path / "out" / "b.csv").read_bytes() == b"0,1,2,"
    assert (tmp_path / "out" / "a.csv").read_bytes() == b"head\n"


def test_a_producer_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "loans.csv"
    target.write_bytes(b"old")

    def failing() -> Iterator[bytes]:
        yield b"half"
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        write_atomic(target, failing())
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loans.csv"]


def test_the_names_are_checked_before_any_chunk_is_produced(tmp_path: Path) -> None:
    (tmp_path / "out" / "b.csv").mkdir(parents=True)

    def never() -> Iterator[bytes]:
        raise AssertionError("produced before the check")
        yield b""

    with pytest.raises(Exception, match="is a folder"):
        write_folder(tmp_path / "out", {"a.csv": never(), "b.csv": b""}, "the test", ledger=None)
    assert not (tmp_path / "out" / "a.csv").exists()
