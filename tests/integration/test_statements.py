"""The month's statements: figures as an auditor checks them, in PDF, CSV and JSON alike."""

import datetime as dt
import io
import json

from pypdf import PdfReader

from tests import factories as f
from zhengkedai.services import closing
from zhengkedai.services.statements import packs


def _setup(uow, actor, clock) -> None:  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    f.bank(uow, actor, "ZYB", "中原银行")
    f.fund_reserve(uow, actor, 3_000_000_000, on=dt.date(2025, 1, 2), ref="A")
    f.fund_reserve(uow, actor, 123_456_789, bank_code="ZYB", on=dt.date(2025, 1, 9), ref="B")
    loan = f.loan(uow, actor, principal=200_000_000, disbursed_on=dt.date(2025, 1, 10))
    f.event(uow, actor, loan, "overdue", 20_000_000, dt.date(2025, 1, 25))  # 10%: suspended
    uow.commit()


def _json(pack: packs.Pack, name: str) -> dict:  # type: ignore[type-arg]
    return json.loads(pack.files[name])


def _values(doc: dict, section: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in doc["sections"] if s["key"] == section)["values"]


def test_the_reserve_statement_adds_up_per_bank_and_in_total(uow, actor, clock) -> None:
    _setup(uow, actor, clock)
    pack = packs.build_pack(uow, actor, "2025-01", fmt="json")
    doc = _json(pack, "2025-01_reserve.json")
    summary = _values(doc, "summary")
    assert summary["opening_balance"] == "0.00"
    assert summary["inflow_city"] == "31234567.89"
    assert summary["closing_balance"] == "31234567.89"
    target = _values(doc, "target")
    assert target["outstanding_principal"] == "2000000.00"
    assert target["target_ratio"] == "10.00" and target["target_size"] == "200000.00"
    assert target["top_up_needed"] == "0.00"
    banks = next(s for s in doc["sections"] if s["key"] == "by_bank")
    assert [r["closing_balance"] for r in banks["rows"]] == ["1234567.89", "30000000.00"]
    assert doc["draft"] is True


def test_the_institution_statement_shows_the_overdue_ratio_and_the_suspension(uow, actor, clock) -> None:
    _setup(uow, actor, clock)
    clock.now = dt.datetime(2025, 2, 3, 9)
    closing.close_month(uow, actor, "2025-01")
    uow.commit()
    pack = packs.build_pack(uow, actor, "2025-01", fmt="json", institution="ZZB")
    profile = _values(_json(pack, "2025-01_institution_ZZB.json"), "profile")
    assert profile["outstanding_principal"] == "2000000.00"
    assert profile["overdue_principal"] == "200000.00"
    assert profile["overdue_ratio"] == "10.00"
    assert "月结：下月起暂停" in profile["suspension_status"]
    assert profile["loans_filed_count"] == 1


def test_a_closed_month_regenerates_to_the_same_bytes_and_its_pdf_shows_the_json_figures(uow, actor, clock) -> None:
    _setup(uow, actor, clock)
    clock.now = dt.datetime(2025, 2, 3, 9)
    closing.close_month(uow, actor, "2025-01")
    uow.commit()
    first = packs.build_pack(uow, actor, "2025-01", fmt="pdf")
    clock.advance(days=30)
    again = packs.build_pack(uow, actor, "2025-01", fmt="pdf")
    assert first.files == again.files
    reader = PdfReader(io.BytesIO(first.files["2025-01_reserve.pdf"]))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "31,234,567.89" in text and "准备金收支表" in text
    assert "草稿" not in text
    for n, page in enumerate(reader.pages, start=1):
        assert f"第 {n} 页" in page.extract_text()
    trial = PdfReader(io.BytesIO(first.files["2025-01_trial_balance.pdf"]))
    trial_text = "\n".join(p.extract_text() for p in trial.pages)
    head = json.loads(first.files["2025-01_manifest.json"])["chain"]["head"]
    assert head in trial_text.replace("\n", "")


def test_an_open_month_is_marked_draft(uow, actor, clock) -> None:
    _setup(uow, actor, clock)
    pack = packs.build_pack(uow, actor, "2025-01", fmt="pdf")
    text = PdfReader(io.BytesIO(pack.files["2025-01_reserve.pdf"])).pages[0].extract_text()
    assert "草稿" in text


def test_the_manifest_catches_one_changed_byte_and_a_missing_file(uow, actor, clock) -> None:
    _setup(uow, actor, clock)
    pack = packs.build_pack(uow, actor, "2025-01", fmt="csv")
    manifest = pack.files.pop(pack.manifest_name)
    assert packs.check_pack(uow, actor, pack.manifest_name, manifest, pack.files.get).problems == []
    name = "2025-01_reserve.csv"
    data = bytearray(pack.files[name])
    data[-3] ^= 1
    changed = {**pack.files, name: bytes(data), "2025-01_claims.csv": None}
    problems = packs.check_pack(uow, actor, pack.manifest_name, manifest, changed.get).problems
    assert any(name in p and "differs" in p for p in problems)
    assert any("2025-01_claims.csv: listed in the manifest, missing from the pack" in p
               for p in problems)


def test_statement_and_verify_pack_commands(zkd_frozen, tmp_path) -> None:
    zkd = zkd_frozen
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    zkd("reserve", "deposit", "--ref", "V-1", "1,000", "--source", "city", "--at", "ZZB", "--on", "2025-01-02")
    assert zkd("close", "2025-01").exit_code == 0
    out = tmp_path / "pack"
    r = zkd("statement", "2025-01", "-o", str(out))
    assert r.exit_code == 0 and "final" in r.output
    assert zkd("verify", "--pack", str(out)).exit_code == 0
    pdf = out / "2025-01_reserve.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"%")
    bad = zkd("verify", "--pack", str(out))
    assert bad.exit_code == 1 and "2025-01_reserve.pdf" in bad.stderr


def test_a_closed_month_keeps_its_statements_when_a_later_recovery_lowers_its_claim(uow, actor, clock) -> None:
    from sqlalchemy import text

    from zhengkedai.services.audit import verify as verify_service
    from zhengkedai.services.claims import computation as claims

    f.bank(uow, actor)
    f.fund_reserve(uow, actor, 3_000_000_000, on=dt.date(2025, 1, 2), ref="A")
    loan = f.loan(uow, actor, principal=200_000_000, disbursed_on=dt.date(2025, 1, 10))
    loss = f.event(uow, actor, loan, "loss", 100_000_000, dt.date(2025, 1, 20))
    claim = claims.open_claim(uow, actor, loss)
    assert claim.amount_fen == 80_000_000
    clock.now = dt.datetime(2025, 2, 1, 9)
    closing.close_month(uow, actor, "2025-01")
    uow.commit()
    january = packs.build_pack(uow, actor, "2025-01", fmt="json")
    recovery = f.event(uow, actor, loan, "recovery", 10_000_000, dt.date(2025, 2, 10))
    claims.record_recovery(uow, actor, recovery)
    uow.commit()
    assert claim.amount_fen == 72_000_000  # lowered in February, before payment
    again = packs.build_pack(uow, actor, "2025-01", fmt="json")
    assert again.files == january.files
    register = json.loads(again.files["2025-01_claims.json"])
    rows = next(s for s in register["sections"] if s["key"] == "register")["rows"]
    assert rows[0]["compensation"] == "800000.00"
    assert verify_service.verify(uow).ok
    uow.s.execute(text("UPDATE statement_archive SET content = replace(content, '800000', '900000')"))
    uow.commit()
    report = verify_service.verify(uow)
    assert any("changed after its month was closed" in p for p in report.problems)


def _caps(pack: packs.Pack, code: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in _json(pack, f"{pack.period}_institution_{code}.json")["sections"]
                if s["key"] == "caps")


def test_under_henan_2025_the_institution_statement_shows_the_yearly_cap_and_its_use(
        uow, actor, clock) -> None:  # type: ignore[no-untyped-def]
    from zhengkedai.services import policies
    from zhengkedai.services.claims import computation as claims
    from zhengkedai.services.claims import workflow as claims_workflow

    f.bank(uow, actor)
    policies.load_bundled(uow, actor)
    policies.activate(uow, actor, "henan-2025")
    # ZZB's programme balance at the end of 2024: 400,000,000.00, so 2% = 8,000,000.00 < 10M
    f.loan(uow, actor, loan_no="OLD", principal=400_000_000_00, disbursed_on=dt.date(2024, 6, 1),
           enterprise_seq=9)

    def loss(loan_no: str, amount: int, on: dt.date, disbursed_on: dt.date, seq: int):  # type: ignore[no-untyped-def]
        loan = f.loan(uow, actor, loan_no=loan_no, principal=20_000_000_00,
                      disbursed_on=disbursed_on, enterprise_seq=seq)  # revenue 50M: henan's 50%
        return claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", amount, on))

    counted = loss("H1", 10_000_000_00, dt.date(2025, 7, 20), dt.date(2025, 6, 10), 11)
    rejected = loss("H2", 2_000_000_00, dt.date(2025, 7, 21), dt.date(2025, 6, 11), 12)
    claims_workflow.reject(uow, actor, rejected.id, "材料不全", on=dt.date(2025, 7, 25))
    # disbursed before 2025-06-01: the older rules (新老划断), outside henan's yearly cap
    old = loss("Z1", 1_000_000_00, dt.date(2025, 7, 22), dt.date(2025, 5, 31), 13)
    uow.commit()
    assert counted.amount_fen == 5_000_000_00 and old.policy_name == "zhengzhou-2019"

    caps = _caps(packs.build_pack(uow, actor, "2025-07", fmt="json"), "ZZB")
    yearly = [r for r in caps["rows"] if "年度" in r["cap"]]
    assert len(yearly) == 1, caps["rows"]
    row = yearly[0]
    assert "2025" in row["cap"] and "henan-2025" in row["cap"]
    assert (row["limit"], row["used"], row["remaining"], row["usage"]) == (
        "8000000.00", "5000000.00", "3000000.00", "62.50")
    assert any("400,000,000.00" in p and "8,000,000.00" in p for p in caps["paragraphs"])


def test_before_a_yearly_cap_is_in_force_the_statement_shows_none(uow, actor, clock) -> None:
    from zhengkedai.services import policies

    f.bank(uow, actor)
    policies.load_bundled(uow, actor)
    policies.activate(uow, actor, "henan-2025")
    f.loan(uow, actor, loan_no="OLD", principal=100_000_000, disbursed_on=dt.date(2024, 6, 1))
    uow.commit()
    may = _caps(packs.build_pack(uow, actor, "2025-05", fmt="json"), "ZZB")
    assert not [r for r in may["rows"] if "年度" in r["cap"]]
    june = _caps(packs.build_pack(uow, actor, "2025-06", fmt="json"), "ZZB")
    assert [(r["limit"], r["used"]) for r in june["rows"] if "年度" in r["cap"]] == [
        ("20000.00", "0.00")]  # 2% of 1,000,000.00, nothing used yet


def test_the_full_compensation_threshold_is_shown_as_a_threshold_not_a_cap_in_breach(
        uow, actor, clock) -> None:  # type: ignore[no-untyped-def]
    from zhengkedai.services.claims import computation as claims

    f.bank(uow, actor)
    f.bank(uow, actor, "ZYB", "中原银行")

    def loss(bank: str, loan_no: str, amount: int, seq: int):  # type: ignore[no-untyped-def]
        loan = f.loan(uow, actor, institution=bank, loan_no=loan_no, principal=5_000_000_00,
                      loan_type="credit", high_tech=True, profitable_two_years=True,
                      enterprise_seq=seq, disbursed_on=dt.date(2025, 1, 10))
        return claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", amount,
                                                     dt.date(2025, 3, 10)))

    # one firm: 2,000,000.00 at ZZB (100%), then 1,200,000.00 at ZYB: 3,200,000.00 in all, 80%
    assert loss("ZZB", "A1", 2_000_000_00, 1).amount_fen == 2_000_000_00
    assert loss("ZYB", "A2", 1_200_000_00, 1).amount_fen == 960_000_00
    loss("ZZB", "B1", 500_000_00, 2)  # another firm, well under the threshold
    uow.commit()

    doc = _json(packs.build_pack(uow, actor, "2025-03", fmt="json"), "2025-03_institution_ZZB.json")
    caps = next(s for s in doc["sections"] if s["key"] == "caps")
    assert not [r for r in caps["rows"] if "全额" in r["cap"]], "a threshold is not a cap"
    section = next(s for s in doc["sections"] if s["key"] == "full_compensation")
    assert "percent" not in {c["kind"] for c in section["columns"]}
    rows = {r["enterprise_name"]: r for r in section["rows"]}
    over, under = rows["测试科技有限公司1"], rows["测试科技有限公司2"]
    # the engine's count: the firm's losses across the programme, ZYB's included
    assert (over["threshold"], over["losses"], over["headroom"]) == (
        "3000000.00", "3200000.00", "0.00")
    assert "已超过" in over["status"] and "80%" in over["status"]
    assert (under["losses"], under["headroom"]) == ("500000.00", "2500000.00")
    assert "100%" in under["status"]
    note = " ".join(section["paragraphs"])
    assert "不是补偿上限" in note and "80%" in note


def test_a_transfer_between_deposit_banks_has_its_own_lines_per_bank_netting_to_zero(
        uow, actor, clock) -> None:  # type: ignore[no-untyped-def]
    from zhengkedai.services.funds import reserve

    f.bank(uow, actor)
    f.bank(uow, actor, "ZYB", "中原银行")
    f.fund_reserve(uow, actor, 500_000_000, on=dt.date(2025, 1, 2), ref="A")
    f.fund_reserve(uow, actor, 1_000_000_000, bank_code="ZYB", on=dt.date(2025, 1, 2), ref="B")
    reserve.transfer(uow, actor, 200_000_000, from_bank="ZYB", to_bank="ZZB",
                     on=dt.date(2025, 1, 9), ref="DB-1")
    uow.commit()
    doc = _json(packs.build_pack(uow, actor, "2025-01", fmt="json"), "2025-01_reserve.json")
    summary = _values(doc, "summary")
    assert (summary["transfer_in"], summary["transfer_out"]) == ("2000000.00", "2000000.00")
    assert summary["inflow_total"] == "15000000.00"  # a transfer is no income of the fund
    by_bank = next(s for s in doc["sections"] if s["key"] == "by_bank")
    rows = {r["bank_code"]: r for r in by_bank["rows"]}
    assert (rows["ZYB"]["transfer_out"], rows["ZYB"]["transfer_in"]) == ("2000000.00", "0.00")
    assert (rows["ZZB"]["transfer_in"], rows["ZZB"]["transfer_out"]) == ("2000000.00", "0.00")
    assert rows["ZYB"]["inflow_city"] == "10000000.00"
    total = by_bank["totals"][0]
    assert total["transfer_in"] == total["transfer_out"] == "2000000.00"

    def fen(text: str | None) -> int:
        return int((text or "0").replace(".", ""))

    inflows = [c["key"] for c in by_bank["columns"] if c["key"].startswith(("inflow_", "transfer_in"))]
    outflows = [c["key"] for c in by_bank["columns"] if c["key"].startswith(("outflow_", "transfer_out"))]
    for row in [*by_bank["rows"], total]:  # each bank's row adds up, kind by kind
        assert fen(row["opening_balance"]) + sum(fen(row[k]) for k in inflows) - sum(
            fen(row[k]) for k in outflows) == fen(row["closing_balance"])
    movements = next(s for s in doc["sections"] if s["key"] == "movements")["rows"]
    transfer = [m for m in movements if m["entry_date"] == "2025-01-09"]
    assert sorted(m["kind"] for m in transfer) == ["银行间调入", "银行间调出"]


# `zkd claims show` (finding 4 of the statement review); its home is tests/e2e/test_cli_claims.py
def test_claims_show_names_the_stored_policy_that_gave_an_old_loan_its_older_rules(
        uow, actor, zkd_frozen) -> None:  # type: ignore[no-untyped-def]
    from zhengkedai.services import policies
    from zhengkedai.services.claims import computation as claims

    f.bank(uow, actor)
    policies.load_bundled(uow, actor)
    henan = policies.activate(uow, actor, "henan-2025").row_id
    for no, disbursed, seq in (("OLD", dt.date(2025, 5, 31), 1), ("NEW", dt.date(2025, 6, 10), 2)):
        loan = f.loan(uow, actor, loan_no=no, disbursed_on=disbursed, enterprise_seq=seq)
        claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", 10_000_000,
                                              dt.date(2025, 7, 1)))
    uow.commit()
    old = zkd_frozen("claims", "show", "1")
    assert old.exit_code == 0, old.output
    assert f"zhengzhou-2019/2019 (新老划断, via stored policy #{henan} henan-2025)" in old.output
    assert f"(stored #{henan})" not in old.output  # #2 is henan-2025, not zhengzhou-2019
    new = zkd_frozen("claims", "show", "2")
    assert f"henan-2025/2025 (stored #{henan})" in new.output


def _trial_balance(uow, actor, clock):  # type: ignore[no-untyped-def]
    """A month with long account codes and names: interest, a fee, the subsidy budget."""
    from zhengkedai.services.funds import budget, reserve
    from zhengkedai.services.funds import fees as reserve_fee
    from zhengkedai.services.statements.build import build_statements

    f.bank(uow, actor)
    f.bank(uow, actor, "ZYB", "中原银行")
    f.fund_reserve(uow, actor, 5_000_000_000, on=dt.date(2025, 1, 2), ref="A")
    f.fund_reserve(uow, actor, 1_000_000_000, bank_code="ZYB", on=dt.date(2025, 1, 2), ref="B")
    reserve.interest(uow, actor, 10_000_000, bank="ZZB", on=dt.date(2025, 1, 20))
    reserve_fee.pay_fee(uow, actor, 100_000, on=dt.date(2025, 1, 31), bank="ZZB")
    budget.deposit(uow, actor, 1_000_000_000, on=dt.date(2025, 1, 2))
    uow.commit()
    return next(d for d in build_statements(uow, actor, "2025-01") if d.kind == "trial_balance")



def test_the_trial_balance_subtotals_each_fund_and_each_fund_balances(uow, actor, clock) -> None:
    doc = _trial_balance(uow, actor, clock)
    table = doc.section("balances").table
    assert table is not None
    totals = [r for r in table.rows if r.total]
    assert [(r.get("account_code"), r.get("account_name")) for r in totals] == [
        ("小计", "科技金融补助资金"), ("小计", "风险补偿准备金"), ("合计", None)]
    keys = ("opening_debit", "opening_credit", "debit", "credit", "closing_debit",
            "closing_credit")
    for fund, subtotal in zip(("budget:", "reserve:"), totals, strict=False):
        accounts = [r for r in table.rows if not r.total
                    and str(r.get("account_code")).startswith(fund)]
        for key in keys:
            assert subtotal.get(key) == sum(int(r.get(key) or 0) for r in accounts), (fund, key)
        assert subtotal.get("closing_debit") == subtotal.get("closing_credit")  # a fund balances
    assert totals[2].get("closing_debit") == 5_000_000_000 + 1_000_000_000 + 10_000_000 + 1_000_000_000
    rows = list(table.rows)
    assert rows.index(totals[0]) < min(rows.index(r) for r in rows
                                       if str(r.get("account_code")).startswith("reserve:"))


def test_an_institution_with_no_loans_shows_a_dash_for_its_overdue_ratio(uow, actor, clock) -> None:
    _setup(uow, actor, clock)  # ZYB holds reserve money but has filed no loan
    pdf = packs.build_pack(uow, actor, "2025-01", fmt="pdf", institution="ZYB")
    text = PdfReader(io.BytesIO(pdf.files["2025-01_institution_ZYB.pdf"])).pages[0].extract_text()
    lines = [line.strip() for line in text.splitlines()]
    assert lines[lines.index("逾期率") + 1] == "—", text
    data = packs.build_pack(uow, actor, "2025-01", fmt="json", institution="ZYB")
    assert _values(_json(data, "2025-01_institution_ZYB.json"), "profile")["overdue_ratio"] is None


def test_the_claims_register_names_each_trace_rule_in_chinese(uow, actor, clock) -> None:
    from zhengkedai.services.claims import computation as claims

    f.bank(uow, actor)
    loan = f.loan(uow, actor, principal=2_000_000_00)
    claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", 1_000_000_00,
                                          dt.date(2025, 3, 10)))
    uow.commit()
    doc = _json(packs.build_pack(uow, actor, "2025-03", fmt="json"), "2025-03_claims.json")
    trace = next(s for s in doc["sections"] if s["key"] == "traces")["rows"][0]["trace"]
    # each step opens with its rule's name, then says in an official's words why it applied
    starts = [line.split("】")[0] for line in trace.splitlines()[:-1]]
    assert starts == ["1. 【支付前回收冲减", "2. 【企业符合支持条件", "3. 【放款时机构未暂停",
                      "4. 【补偿比例", "5. 【单笔贷款补偿上限"], trace
    for name in ("recoveries_before_payment", "eligible_enterprise", "institution_active",
                 "compensation_ratio", "cap_per_loan"):
        assert name not in trace


def test_the_reserve_statement_s_top_up_counts_approved_claims_not_yet_paid(uow, actor, clock) -> None:
    from zhengkedai.services import policies
    from zhengkedai.services.claims import computation as claims
    from zhengkedai.services.claims import workflow as wf

    f.bank(uow, actor)
    policies.load_bundled(uow, actor)
    f.fund_reserve(uow, actor, 150_000_000, on=dt.date(2025, 1, 2))       # 1,500,000.00
    loan = f.loan(uow, actor, principal=2_000_000_000, disbursed_on=dt.date(2025, 1, 5))
    claim = claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", 100_000_000,
                                                  dt.date(2025, 1, 20)))  # 800,000.00
    wf.approve(uow, actor, claim.id, dt.date(2025, 1, 21))
    doc = _json(packs.build_pack(uow, actor, "2025-01", fmt="json"), "2025-01_reserve.json")
    target = _values(doc, "target")
    # outstanding 19,000,000: target 1,900,000; 1,500,000 held, 800,000 of it owed: 700,000 free
    assert target["target_size"] == "1900000.00"
    assert target["top_up_needed"] == "1200000.00"


def test_the_trial_balance_vouches_for_the_months_part_of_the_chain(uow, actor, clock) -> None:
    """The chain line of a month's trial balance checks the entries after the close
    before it, up to the month's head (entries, head and verdict as the whole check
    gives them on a sound ledger), and reports a changed entry among them."""
    from sqlalchemy import text

    from zhengkedai.services.audit.chain import check_chain
    from zhengkedai.services.statements.build import build_statements

    def chain_line(period: str) -> dict:  # type: ignore[type-arg]
        doc = next(d for d in build_statements(uow, actor, period) if d.kind == "trial_balance")
        return {fld.key: fld.value for fld in doc.section("chain").fields}

    _setup(uow, actor, clock)
    clock.now = dt.datetime(2025, 2, 3, 9)
    closing.close_month(uow, actor, "2025-01")
    f.fund_reserve(uow, actor, 1_000_000, on=dt.date(2025, 2, 4), ref="C")
    uow.commit()
    whole = check_chain(uow)
    line = chain_line("2025-02")
    assert (line["entries_total"], line["head_entry"], line["chain_head"]) == (
        whole.entries, whole.head_seq, whole.head_hash)
    assert str(line["verification"]).startswith("通过")
    uow.s.execute(text("UPDATE journal_lines SET amount_fen = amount_fen + 1 "
                       "WHERE entry_seq = :s AND line_no = 1"), {"s": whole.head_seq})
    changed = str(chain_line("2025-02")["verification"])
    assert changed.startswith("未通过") and f"#{whole.head_seq}" in changed
