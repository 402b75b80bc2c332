import datetime as dt

import pytest

from zhengkedai.domain import accounts as acc
from zhengkedai.domain.ledger import (
    GENESIS_HASH,
    Entry,
    EntryDraft,
    Line,
    UnbalancedEntry,
    check_balanced,
    reversal_of,
    seal,
    verify_chain,
)

T = dt.datetime(2025, 1, 2, 8, 0)


def draft(amount: int = 1000, key: str = "k1", day: dt.date = dt.date(2025, 1, 2)) -> EntryDraft:
    return EntryDraft(
        entry_date=day, kind="reserve.deposit", memo="市财政拨入",
        lines=(Line(acc.reserve_cash("ZZB"), amount), Line(acc.reserve_contribution("city"), -amount)),
        idempotency_key=key, source_ref="deposit",
    )


def chain(n: int) -> list[Entry]:
    out, prev = [], GENESIS_HASH
    for i in range(1, n + 1):
        e = seal(draft(i * 100, f"k{i}"), seq=i, operator="alice", created_at=T, prev_hash=prev)
        out.append(e)
        prev = e.hash
    return out


def test_lines_that_do_not_sum_to_zero_are_refused() -> None:
    with pytest.raises(UnbalancedEntry, match="sum to 0.01"):
        check_balanced([Line(acc.reserve_cash("B"), 101), Line(acc.reserve_contribution("city"), -100)])


def test_an_entry_needs_two_lines_and_known_accounts() -> None:
    with pytest.raises(UnbalancedEntry):
        check_balanced([Line(acc.reserve_cash("B"), 0)])
    with pytest.raises(UnbalancedEntry, match="unknown kind"):
        check_balanced([Line("reserve:bogus", 1), Line(acc.reserve_cash("B"), -1)])


def test_an_untouched_chain_verifies() -> None:
    assert verify_chain(chain(5)) == []


@pytest.mark.parametrize("field, value", [
    ("memo", "changed"),
    ("operator", "mallory"),
    ("created_at", T + dt.timedelta(seconds=1)),
    ("entry_date", dt.date(2025, 1, 3)),
    ("source_ref", "file:9 row:9"),
])
def test_changing_any_part_of_a_stored_entry_breaks_the_chain(field: str, value: object) -> None:
    entries = chain(3)
    e = entries[1]
    entries[1] = Entry(**{**{f: getattr(e, f) for f in Entry.__slots__}, field: value})
    problems = verify_chain(entries)
    assert problems and problems[0].seq == 2


def test_one_fen_moved_between_lines_is_detected_even_though_it_balances() -> None:
    entries = chain(3)
    e = entries[2]
    lines = (Line(e.lines[0].account, e.lines[0].amount + 1), Line(e.lines[1].account, e.lines[1].amount - 1))
    entries[2] = Entry(**{**{f: getattr(e, f) for f in Entry.__slots__}, "lines": lines})
    assert [p.seq for p in verify_chain(entries)] == [3]


def test_a_reversal_undoes_the_lines_and_names_the_entry() -> None:
    original = chain(1)[0]
    rev = reversal_of(original, on=dt.date(2025, 1, 5), memo="冲销")
    assert rev.reverses == original.seq
    assert sum(line.amount for line in original.lines + rev.lines) == 0
    assert [line.amount for line in rev.lines] == [-line.amount for line in original.lines]


def test_same_content_ignores_who_and_when() -> None:
    d = draft()
    sealed = seal(d, seq=1, operator="x", created_at=T, prev_hash=GENESIS_HASH)
    assert d.same_content(sealed)
    assert not draft(amount=999).same_content(sealed)


def test_the_part_of_a_chain_after_an_entry_checks_from_that_entry_on() -> None:
    entries = chain(6)
    fourth = entries[3]
    assert verify_chain(entries[4:], after=(fourth.seq, fourth.hash)) == []
    # the part must take up the chain where ``after`` says: a wrong hash or a gap shows
    assert {p.seq for p in verify_chain(entries[4:], after=(fourth.seq, "0" * 64))} == {5}
    gap = verify_chain(entries[5:], after=(fourth.seq, fourth.hash))
    assert {p.seq for p in gap} == {6} and "sequence gap: expected 5" in gap[0].message


def test_every_account_the_fee_books_reads_in_chinese() -> None:
    from zhengkedai.services.funds.fees import FEE_FROM_INTEREST, FEE_FROM_PRINCIPAL

    assert acc.display_name(FEE_FROM_INTEREST) == "风险补偿准备金-管理费支出-利息列支"
    assert acc.display_name(FEE_FROM_PRINCIPAL) == "风险补偿准备金-管理费支出-本金列支"
    assert acc.display_name(acc.reserve_cash("ZZB"), {"ZZB": "郑州银行"}) \
        == "风险补偿准备金-银行存款-郑州银行"
