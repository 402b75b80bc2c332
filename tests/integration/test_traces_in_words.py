"""Traces in an official's words (SPEC 12): each step names the public rule and says why it
applied or not, with the amounts; claims computed before keep what their traces said."""

import datetime as dt
import json

from tests import factories as f
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.statements import packs
from zhengkedai.services.statements.common import deciding_line, trace_lines


def _texts(claim) -> list[str]:  # type: ignore[no-untyped-def]
    return [step.get("text", "") for step in json.loads(claim.trace)]


def test_the_ratio_step_says_why_80_rather_than_100_with_the_firm_s_losses(uow, actor, clock) -> None:
    f.bank(uow, actor)
    first = f.loan(uow, actor, loan_no="A", loan_type="credit", high_tech=True,
                   profitable_two_years=True, principal=300_000_000)
    second = f.loan(uow, actor, loan_no="B", loan_type="credit", high_tech=True,
                    profitable_two_years=True, principal=200_000_000)
    claims.open_claim(uow, actor, f.event(uow, actor, first, "loss", 200_000_000,
                                          dt.date(2025, 3, 1)))
    late = claims.open_claim(uow, actor, f.event(uow, actor, second, "loss", 120_000_000,
                                                 dt.date(2025, 3, 5)))
    uow.commit()
    texts = _texts(late)
    assert texts[1] == "该企业放款日符合条件（郑政办〔2018〕97号）"
    assert texts[3].startswith("补偿比例 80%：该企业累计本金损失 3,200,000.00 元，超过 "
                               "3,000,000.00 元的全额补偿限额")
    assert texts[3].endswith("1,200,000.00 × 80% = 960,000.00")
    assert texts[4].startswith("单笔补偿上限 5,000,000.00 元，已用 0.00 元") and "未超过" in texts[4]
    for text in texts:
        assert not any(word in text for word in ("covered", "half-up", "within the cap"))
    line = deciding_line(late.trace)  # the register's one line: the reason, not the sums
    assert line.startswith("核定 960,000.00：补偿比例 80%：该企业累计本金损失 3,200,000.00 元")
    assert "×" not in line and "第二条" not in line


def test_a_collateral_loan_is_told_it_is_not_a_credit_loan(uow, actor, clock) -> None:
    f.bank(uow, actor)
    loan = f.loan(uow, actor, high_tech=True, profitable_two_years=True)
    claim = claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", 50_000_000,
                                                  dt.date(2025, 3, 1)))
    assert "该笔贷款为抵押贷款，不是纯信用、知识产权质押贷款" in _texts(claim)[3]


def test_a_trace_stored_before_keeps_what_it_said(uow, actor, clock) -> None:
    old = json.dumps([{"rule": "compensation_ratio", "clause": "第二条", "policy_version": "2019",
                       "before": "1000.00", "after": "800.00",
                       "note": "本金实际损失的80%: 80% × 1,000.00 = 800.00 (half-up)",
                       "limit": None, "used": None, "left": None}], ensure_ascii=False)
    assert trace_lines(old) == ["1. 补偿比例〔第二条；2019〕 1,000.00 → 800.00 "
                                "本金实际损失的80%: 80% × 1,000.00 = 800.00 (half-up)"]
    assert deciding_line(old) == "核定 800.00：按80%补偿（本金实际损失的80%）"


def test_the_register_s_appendix_carries_the_new_words(uow, actor, clock) -> None:
    f.bank(uow, actor)
    loan = f.loan(uow, actor)
    claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", 50_000_000,
                                          dt.date(2025, 3, 1)))
    uow.commit()
    doc = json.loads(packs.build_pack(uow, actor, "2025-03", fmt="json")
                     .files["2025-03_claims.json"])
    trace = doc["sections"][-1]["rows"][0]["trace"]
    assert "2. 【企业符合支持条件】该企业放款日符合条件（郑政办〔2018〕97号）（2019版：500,000.00 → 500,000.00）" \
        in trace


def test_the_trial_balance_names_accounts_in_chinese_with_the_bank_s_name(uow, actor, clock) -> None:
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, 100_000, on=dt.date(2025, 3, 2), ref="A")
    uow.commit()
    doc = json.loads(packs.build_pack(uow, actor, "2025-03", fmt="json")
                     .files["2025-03_trial_balance.json"])
    balances = next(s for s in doc["sections"] if s["key"] == "balances")["rows"]
    cash = next(r for r in balances if r["account_code"] == "reserve:cash:ZZB")
    assert cash["account_name"] == "银行存款-郑州银行"
    journal = next(s for s in doc["sections"] if s["key"] == "journal")["rows"]
    assert "风险补偿准备金-银行存款-郑州银行" in [r["account_name"] for r in journal]
