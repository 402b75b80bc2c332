"""Sample statements with realistic Chinese content, for previews and renderer tests.

Not programme data: seeded pseudo-random figures in fen, built through the
layouts exactly as the statement service should build real ones, so they show
how to go from row dicts to a :class:`StatementDoc`. Same arguments, same docs.

``python -m zhengkedai.render.samples OUTDIR`` writes every kind as PDF, CSV
and JSON (final and draft) for a look.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from decimal import Decimal
from pathlib import Path

from zhengkedai.domain.money import apply_ratio, format_grouped
from zhengkedai.domain.statement import CellValue, StatementDoc, StatementKind

from .layouts import doc_from_layout, load_layout, section_from_layout

GENERATED_AT = dt.datetime(2025, 7, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
BIG = 123_456_789  # fen: shows as 1,234,567.89
BANKS = [("ICBC", "中国工商银行郑州分行"), ("CCB", "中国建设银行河南省分行"),
         ("ZZB", "郑州银行股份有限公司"), ("ZYB", "中原银行股份有限公司郑州分行")]
_FIRMS = ["中科芯测", "嵩山智造", "黄河数联", "绿城新材", "中原光电", "郑大生物", "商都云链",
          "金水量子", "高新精密", "航空港智能", "二七机器人", "惠济环保科技", "中牟新能源", "登封超硬材料"]
_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

Rows = list[dict[str, CellValue]]


def uscc(rng: random.Random) -> str:
    """A Zhengzhou (4101xx) unified social credit code with a valid check character."""
    body = "91" + "4101" + rng.choice("02345") + rng.choice("1234567") + "".join(
        rng.choice(_USCC[:10] + "ABCDEFGH") for _ in range(9))
    check = (31 - sum(_USCC.index(c) * w for c, w in zip(body, _WEIGHTS, strict=False)) % 31) % 31
    return body + _USCC[check]


def firm(i: int) -> str:
    return f"郑州{_FIRMS[i % len(_FIRMS)]}{'科技' if i % 3 else '技术'}有限公司" + (
        f"（第{i // len(_FIRMS) + 1}分公司）" if i >= len(_FIRMS) else "")


def _sum(rows: Rows, key: str) -> int:
    return sum(v for r in rows if isinstance(v := r.get(key), int))


def reserve(rng: random.Random, period: str, draft: bool) -> StatementDoc:
    lay = load_layout("reserve")
    day = dt.date.fromisoformat(period + "-01")
    opening = 5_321_000_000
    running = {c: opening // 4 for c, _ in BANKS}
    per_bank: dict[str, dict[str, int]] = {c: {} for c, _ in BANKS}
    moves: Rows = []

    def move(n: int, bank: str, line: str, kind: str, signed: int, what: str) -> None:
        running[bank] += signed
        per_bank[bank][line] = per_bank[bank].get(line, 0) + abs(signed)
        moves.append({"entry_date": day + dt.timedelta(days=n // 2), "entry_no": f"JZ{period[2:4]}{period[5:]}-{n + 1:04d}",
                      "bank_code": bank, "kind": kind, "description": what,
                      "inflow": signed if signed > 0 else None, "outflow": -signed if signed < 0 else None,
                      "balance": running[bank]})

    for n in range(60):
        bank = BANKS[n % 4][0]
        if n == 30:  # one move between deposit banks: out of one, into another, the same day
            move(n, "ZYB", "transfer_out", "银行间调出", -BIG, "准备金调拨：ZYB 转存 ZZB（凭证 DB-2025-001）")
            move(n, "ZZB", "transfer_in", "银行间调入", BIG, "准备金调拨：ZYB 转存 ZZB（凭证 DB-2025-001）")
            continue
        inflow = rng.choice([0, 0, rng.randrange(10_000_00, 3_000_000_00)])
        if n == 0:
            move(n, bank, "inflow_interest", "利息收入", BIG, f"利息收入：{firm(n)} 贷款 L{7000 + n}")
        elif inflow:
            move(n, bank, "inflow_recovery", "追偿回收返还", inflow, f"追偿回收返还：{firm(n)} 贷款 L{7000 + n}")
        else:
            move(n, bank, "outflow_compensation", "损失补偿", -rng.randrange(50_000_00, 2_000_000_00),
                 f"损失补偿支付：{firm(n)} 贷款 L{7000 + n}")
    kinds = ("inflow_city", "inflow_district", "inflow_recovery", "inflow_interest", "transfer_in",
             "outflow_compensation", "outflow_management_fee", "transfer_out")
    banks: Rows = [{"bank_code": c, "bank_name": name, "opening_balance": opening // 4,
                    **{k: per_bank[c].get(k, 0) for k in kinds}, "closing_balance": running[c]}
                   for c, name in BANKS]
    totals: dict[str, CellValue] = {k: _sum(banks, k) for k in ("opening_balance", *kinds, "closing_balance")}
    totals["bank_name"] = "合计"
    closing = sum(running.values())
    inflow_in = sum(_sum(banks, k) for k in kinds[:4])
    outflow_out = sum(_sum(banks, k) for k in kinds[5:7])
    summary: dict[str, CellValue] = {"opening_balance": opening, "inflow_city": 0, "inflow_district": 0,
               "inflow_recovery": _sum(banks, "inflow_recovery"), "inflow_interest": BIG,
               "inflow_total": inflow_in, "outflow_compensation": outflow_out, "outflow_management_fee": 0,
               "outflow_total": outflow_out, "transfer_in": BIG, "transfer_out": BIG,
               "closing_balance": closing, "committed": 86_000_000, "available": closing - 86_000_000}
    outstanding = 61_234_567_890
    target = outstanding // 10
    sections = [
        section_from_layout(lay.section("summary"), values=summary),
        section_from_layout(lay.section("target"), values={
            "outstanding_principal": outstanding, "target_ratio": Decimal("10.00"),
            "target_size": target, "top_up_needed": max(0, target - closing)}),
        section_from_layout(lay.section("by_bank"), rows=banks, totals=totals),
        section_from_layout(lay.section("movements"), rows=moves),
    ]
    return doc_from_layout(lay, period=period, generated_at=GENERATED_AT, sections=sections, draft=draft,
                           footnotes=["目标规模按在贷余额的10%计算（政策参数，可在10%—15%之间调整）。"])


def institution(rng: random.Random, period: str, draft: bool) -> StatementDoc:
    lay = load_layout("institution")
    loans: Rows = []
    for n in range(60):
        principal = rng.randrange(50, 3000) * 10_000_00
        out = principal - rng.randrange(0, principal // 2, 100)
        loans.append({"loan_no": f"ZZB-2025-{n + 101:05d}", "enterprise_name": firm(n),
                      "loan_type": rng.choice(["信用", "知识产权质押", "抵押", "担保", "保证保险"]),
                      "principal": principal, "outstanding": out,
                      "overdue": out // 5 if n % 11 == 0 else 0,
                      "disbursed_on": dt.date(2024, 1 + n % 12, 1 + n % 27),
                      "maturity_on": dt.date(2026, 1 + n % 12, 1 + n % 27)})
    outstanding, overdue = _sum(loans, "outstanding"), _sum(loans, "overdue")
    ratio = (Decimal(overdue) * 100 / Decimal(outstanding)).quantize(Decimal("0.01"))
    claims: Rows = [{"status": s, "count": c, "loss": lo, "compensation": co} for s, c, lo, co in [
        ("已提交", 3, 2_500_000_00, 2_000_000_00), ("已批准", 2, 1_000_000_00, 800_000_00),
        ("已支付", 5, BIG * 4, BIG * 4 * 8 // 10), ("已驳回", 1, 90_000_00, 0)]]
    caps: Rows = [{"cap": "2025年度机构补偿上限（henan-2025/2025）", "limit": 8_000_000_00,
             "used": 5_000_000_00, "remaining": 3_000_000_00, "usage": Decimal("62.50")},
            {"cap": "单笔贷款补偿上限（5,000,000.00）· 最高单笔", "limit": 5_000_000_00,
             "used": 4_100_000_00, "remaining": 900_000_00, "usage": Decimal("82.00")}]
    firms: Rows = [{"enterprise_name": firm(n), "credit_code": uscc(rng), "threshold": 3_000_000_00,
                    "losses": losses, "headroom": max(0, 3_000_000_00 - losses),
                    "status": "未超过门槛：按100%" if losses <= 3_000_000_00 else "已超过门槛：此后损失按80%"}
                   for n, losses in enumerate((2_000_000_00, 3_200_000_00))]
    profile: dict[str, CellValue] = {"institution_code": "ZZB", "institution_name": "郑州银行股份有限公司",
               "institution_kind": "合作银行", "loans_filed_count": 12, "loans_filed_amount": BIG * 10,
               "outstanding_principal": outstanding, "overdue_principal": overdue,
               "overdue_ratio": ratio, "suspension_threshold": Decimal("5.00"),
               "suspension_status": "正常（逾期率未超过5%）"}
    sections = [
        section_from_layout(lay.section("profile"), values=profile),
        section_from_layout(lay.section("claims"), rows=claims, totals={
            "status": "合计", "count": 11, "loss": _sum(claims, "loss"),
            "compensation": _sum(claims, "compensation")}),
        section_from_layout(lay.section("recoveries"), values={
            "recovery_owed": 40_000_00, "recovery_returned": 25_000_00, "recovery_outstanding": 15_000_00}),
        section_from_layout(lay.section("caps"), rows=caps, paragraphs=[
            "2025年度机构补偿上限 = min(10,000,000.00；2% × 2024年末项目贷款余额 400,000,000.00)。"]),
        section_from_layout(lay.section("full_compensation"), rows=firms, paragraphs=[
            "全额补偿门槛是100%补偿规则的适用条件，不是补偿上限；使累计超过门槛的损失按80%补偿。"]),
        section_from_layout(lay.section("loans"), rows=loans, totals={
            "enterprise_name": "合计", "principal": _sum(loans, "principal"),
            "outstanding": outstanding, "overdue": overdue}),
    ]
    return doc_from_layout(lay, period=period, generated_at=GENERATED_AT, sections=sections, draft=draft,
                           subtitle="郑州银行股份有限公司（ZZB）", subject="ZZB")


def claims(rng: random.Random, period: str, draft: bool) -> StatementDoc:
    lay = load_layout("claims")
    register: Rows = []
    traces: Rows = []
    for n in range(60):
        loss = BIG if n == 0 else rng.randrange(10_000_00, 7_000_000_00)
        comp = min(apply_ratio(loss, Decimal("0.8")), 5_000_000_00)
        exact = Decimal(loss) * Decimal("0.8") / 100  # yuan, three places before rounding
        trace = (f"1. 覆盖检查：企业符合条件，放款时机构未暂停 [zhengzhou-2019 第二条]\n"
                 f"2. 补偿比例80%：{format_grouped(loss)} × 80% = {exact:,.3f} → "
                 f"{format_grouped(apply_ratio(loss, Decimal('0.8')))} [zhengzhou-2019 第二条]\n"
                 f"3. 单笔上限5,000,000.00：{format_grouped(comp)} "
                 "[《关于率先构建一流创新生态 建设国家创新高地的意见（征求意见稿）》第(十九)条]")
        register.append({"claim_id": f"C{period[:4]}{n + 1:04d}", "institution_code": BANKS[n % 4][0],
                         "loan_no": f"L-{2023 + n % 2}-{n + 300:05d}", "enterprise_name": firm(n),
                         "loss_on": dt.date.fromisoformat(period + f"-{1 + n % 28:02d}"), "loss": loss,
                         "recovery_before": None, "compensation": comp,
                         "status": ["已提交", "已批准", "已支付"][n % 3],
                         "paid_on": dt.date.fromisoformat(period + "-28") if n % 3 == 2 else None,
                         "basis": f"核定 {format_grouped(comp)}：按80%补偿（本金实际损失的80%）"})
        traces.append({"claim_id": register[-1]["claim_id"], "trace": trace})
    sections = [
        section_from_layout(lay.section("summary"), values={
            "claims_submitted": 60, "claims_approved": 40, "claims_paid": 20,
            "compensation_paid": _sum(register[2::3], "compensation"),
            "compensation_committed": _sum(register[1::3], "compensation")}),
        section_from_layout(lay.section("register"), rows=register, totals={
            "enterprise_name": "合计", "loss": _sum(register, "loss"),
            "compensation": _sum(register, "compensation")}),
        section_from_layout(lay.section("traces"), rows=traces),
    ]
    return doc_from_layout(lay, period=period, generated_at=GENERATED_AT, sections=sections, draft=draft)


def subsidies(rng: random.Random, period: str, draft: bool) -> StatementDoc:
    lay = load_layout("subsidies")
    kinds = [("担保费补助", Decimal("50.00")), ("融资补助", Decimal("30.00")), ("投资风险补助", Decimal("10.00"))]
    register: Rows = []
    for n in range(60):
        kind, rate = kinds[n % 3]
        basis = rng.randrange(10_000_00, 20_000_000_00)
        register.append({"subsidy_id": f"S{period[:4]}{n + 1:04d}", "kind": kind,
                         "beneficiary": uscc(rng) if n % 3 < 2 else f"INV{n:03d}",
                         "beneficiary_name": firm(n) if n % 3 < 2 else f"郑州科技创业投资基金{n}号合伙企业（有限合伙）",
                         "year": "2024", "reference": f"PZ-{n + 9000}", "basis": basis, "rate": rate,
                         "amount": apply_ratio(basis, rate / 100), "status": ["已提交", "已批准", "已支付"][n % 3],
                         "paid_on": dt.date.fromisoformat(period + "-25") if n % 3 == 2 else None})
    by_kind: Rows = [{"kind": k, "count": 20, "basis": _sum(register[i::3], "basis"),
                "amount": _sum(register[i::3], "amount"),
                "paid": _sum([r for r in register[i::3] if r["status"] == "已支付"], "amount")}
               for i, (k, _) in enumerate(kinds)]
    sections = [
        section_from_layout(lay.section("budget"), values={
            "opening_balance": 30_000_000_00, "deposits": BIG, "paid": _sum(by_kind, "paid"),
            "closing_balance": 30_000_000_00 + BIG - _sum(by_kind, "paid"), "committed": 0,
            "available": 30_000_000_00 + BIG - _sum(by_kind, "paid")}),
        section_from_layout(lay.section("by_kind"), rows=by_kind, totals={
            "kind": "合计", "count": 60, **{k: _sum(by_kind, k) for k in ("basis", "amount", "paid")}}),
        section_from_layout(lay.section("register"), rows=register, totals={
            "beneficiary_name": "合计", "basis": _sum(register, "basis"), "amount": _sum(register, "amount")}),
    ]
    return doc_from_layout(lay, period=period, generated_at=GENERATED_AT, sections=sections, draft=draft,
                           footnotes=["补助比例为政策参数默认值（公开文件未规定具体比例）。"])


def trial_balance(rng: random.Random, period: str, draft: bool) -> StatementDoc:
    lay = load_layout("trial_balance")
    accounts = [("1001", "准备金银行存款—工商银行"), ("1002", "准备金银行存款—建设银行"),
                ("1003", "准备金银行存款—郑州银行"), ("1004", "准备金银行存款—中原银行"),
                ("1101", "应收追偿返还款"), ("2001", "应付损失补偿款"), ("3001", "市级财政注资"),
                ("3002", "区县财政注资"), ("4001", "利息收入"), ("5001", "损失补偿支出"),
                ("5002", "管理费支出"), ("1201", "补助资金银行存款"), ("2101", "应付补助款"),
                ("3101", "补助资金拨入"), ("5101", "担保费补助支出"), ("5102", "融资补助支出")]
    balances: Rows = []
    for code, name in accounts:
        debit, credit = rng.randrange(0, BIG * 3), rng.randrange(0, BIG * 3)
        side = "debit" if code[0] in "15" else "credit"
        opening = rng.randrange(0, BIG * 40)
        closing = opening + (debit - credit if side == "debit" else credit - debit)
        balances.append({"account_code": code, "account_name": name, f"opening_{side}": opening,
                         "debit": debit, "credit": credit, f"closing_{side}": closing})
    # balance the sample as a ledger would be: the city's capital account takes the difference
    capital = next(r for r in balances if r["account_code"] == "3001")
    capital["opening_credit"] = _sum([capital], "opening_credit") + _sum(balances, "opening_debit") - _sum(balances, "opening_credit")
    capital["credit"] = _sum([capital], "credit") + _sum(balances, "debit") - _sum(balances, "credit")
    capital["closing_credit"] = _sum([capital], "opening_credit") + _sum([capital], "credit") - _sum([capital], "debit")
    keys = ("opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit")
    journal: Rows = []
    for n in range(60):
        amount = rng.randrange(1_000_00, BIG)
        head: dict[str, CellValue] = {"entry_no": f"JZ-{n + 1:05d}", "entry_date": dt.date.fromisoformat(period + f"-{1 + n // 3:02d}"),
                "description": f"支付损失补偿：{firm(n)}，申请编号 C2025{n + 1:04d}", "operator": "李会计",
                "entry_hash": f"{rng.getrandbits(64):016x}"}
        journal.append({**head, "account_code": "5001", "account_name": "损失补偿支出", "debit": amount})
        journal.append({"account_code": "1003", "account_name": "准备金银行存款—郑州银行", "credit": amount})
    sample_head = f"{rng.getrandbits(256):064x}"
    chain: dict[str, CellValue] = {"entries_total": 1234, "head_entry": 1234, "chain_head": sample_head,
             "anchor": f"1234:{sample_head}",
             "verification": "通过：哈希链完整，全部凭证借贷平衡，资金余额均不为负，未超出任何限额"}
    sections = [
        section_from_layout(lay.section("balances"), rows=balances,
                            totals={"account_name": "合计", **{k: _sum(balances, k) for k in keys}}),
        section_from_layout(lay.section("journal"), rows=journal, totals={
            "description": "本月合计", "debit": _sum(journal, "debit"), "credit": _sum(journal, "credit")}),
        section_from_layout(lay.section("chain"), values=chain, paragraphs=[
            "校验范围：自第1号凭证至哈希链头，逐条重新计算哈希并与存储值比对（zkd verify）。"]),
    ]
    return doc_from_layout(lay, period=period, generated_at=GENERATED_AT, sections=sections, draft=draft)


BUILDERS = {"reserve": reserve, "institution": institution, "claims": claims,
            "subsidies": subsidies, "trial_balance": trial_balance}


def sample_doc(kind: StatementKind, *, period: str = "2025-06", draft: bool = False) -> StatementDoc:
    """A realistic, multi-page sample statement of ``kind``; deterministic."""
    return BUILDERS[kind](random.Random(f"{kind}-{period}"), period, draft)


def main(argv: list[str]) -> None:  # pragma: no cover - a preview aid
    from .pdf import render_pdf
    from .tabular import render_csv, render_json

    out = Path(argv[0] if argv else "statement_samples")
    out.mkdir(parents=True, exist_ok=True)
    for kind in BUILDERS:
        for draft in (False, True):
            doc = sample_doc(kind, draft=draft)  # type: ignore[arg-type]
            stem = doc.file_stem + ("_draft" if draft else "")
            (out / f"{stem}.pdf").write_bytes(render_pdf(doc))
            (out / f"{stem}.csv").write_bytes(render_csv(doc))
            (out / f"{stem}.json").write_bytes(render_json(doc))
    print(out)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
