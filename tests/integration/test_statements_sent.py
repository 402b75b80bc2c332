"""Statements people sign and send: who wrote them, who issues them, what a bank confirms.

The 对账单 goes to a bank or guarantor, which checks it line by line and sends
it back sealed: it lists the month's claims (with a rejection's reason) and
recoveries, and ends with a confirmation block. The golden checks read the PDF's
text as a reader would (pypdf).
"""

import datetime as dt
import io
import json

from pypdf import PdfReader

from tests import factories as f
from zhengkedai.db.models import PersonRow
from zhengkedai.services import closing, settings
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import workflow
from zhengkedai.services.statements import packs

JUNE = "2025-06"


def _month(uow, actor, clock):  # type: ignore[no-untyped-def]
    """June 2025 at ZZB: one claim paid then partly recovered, one rejected; a guarantor."""
    f.bank(uow, actor)
    f.bank(uow, actor, "ZZDB", "郑州中小企业融资担保有限公司", kind="guarantor")
    f.fund_reserve(uow, actor, 3_000_000_000, on=dt.date(2025, 1, 2), ref="A")
    paid_loan = f.loan(uow, actor, loan_no="ZZB-1", principal=200_000_000,
                       disbursed_on=dt.date(2025, 1, 10), guarantor_code="ZZDB",
                       guarantee_fee=2_000_000)
    other = f.loan(uow, actor, loan_no="ZZB-2", principal=50_000_000, enterprise_seq=2,
                   disbursed_on=dt.date(2025, 6, 5))
    paid = claims.open_claim(uow, actor, f.event(uow, actor, paid_loan, "loss", 100_000_000,
                                                 dt.date(2025, 6, 10)))
    workflow.approve(uow, actor, paid.id, dt.date(2025, 6, 12))
    workflow.pay(uow, actor, paid.id, dt.date(2025, 6, 15))
    claims.record_recovery(uow, actor, f.event(uow, actor, paid_loan, "recovery", 10_000_000,
                                               dt.date(2025, 6, 20)))
    refused = claims.open_claim(uow, actor, f.event(uow, actor, other, "loss", 30_000_000,
                                                    dt.date(2025, 6, 18)))
    workflow.reject(uow, actor, refused.id, "贷款用途与备案不符", dt.date(2025, 6, 25))
    uow.commit()


def _section(doc: dict, key: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in doc["sections"] if s["key"] == key)


def _pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_the_institution_statement_lists_the_month_s_claims_with_a_rejection_s_reason(
        uow, actor, clock) -> None:
    _month(uow, actor, clock)
    pack = packs.build_pack(uow, actor, JUNE, fmt="json", institution="ZZB")
    doc = json.loads(pack.files[f"{JUNE}_institution_ZZB.json"])
    detail = _section(doc, "claims_detail")
    by_id = {r["claim_id"]: r for r in detail["rows"]}
    assert by_id["C1"]["movement"] == "提交 2025-06-10；批准 2025-06-12；支付 2025-06-15"
    assert by_id["C1"]["compensation"] == "800000.00" and by_id["C1"]["status"] == "已支付"
    assert by_id["C2"]["status"] == "已驳回" and by_id["C2"]["reason"] == "贷款用途与备案不符"
    assert detail["totals"][0]["loss"] == "1300000.00"
    recoveries = _section(doc, "recoveries_detail")["rows"]
    assert [(r["claim_id"], r["recovery"], r["owed"], r["returned"]) for r in recoveries] == [
        ("C1", "100000.00", "80000.00", "0.00")]


def test_the_institution_statement_pdf_ends_with_a_confirmation_block_and_names_its_issuer(
        uow, actor, clock) -> None:
    _month(uow, actor, clock)
    settings.set_value(uow, actor, settings.ISSUER, "郑州市科学技术局")
    uow.s.add(PersonRow(login=actor.operator, role="finance", display_name="王芳", disabled=False,
                        created_at=actor.now(), created_by="admin"))
    uow.commit()
    pack = packs.build_pack(uow, actor, JUNE, fmt="pdf", institution="ZZB")
    data = pack.files[f"{JUNE}_institution_ZZB.pdf"]
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert all("郑州市科学技术局" in page for page in pages)  # every page's header
    text = "\n".join(pages)
    for words in ("本月补偿申请明细", "贷款用途与备案不符", "800,000.00", "本月追偿回收明细",
                  "80,000.00", "核对无误", "有异议", "机构（盖章）", "编制：王芳"):
        assert words in text, words
    assert text.index("机构核对确认") > text.index("本月追偿回收明细")
    assert "审核：＿＿" in text  # a blank line for the reviewer's signature


def test_a_guarantor_s_statement_lists_the_loans_it_guarantees(uow, actor, clock) -> None:
    _month(uow, actor, clock)
    for institution in ("ZZDB", None):
        pack = packs.build_pack(uow, actor, "2025-01", fmt="json", institution=institution)
        doc = json.loads(pack.files["2025-01_institution_ZZDB.json"])
        section = _section(doc, "guaranteed")
        assert [(r["loan_no"], r["lender"], r["principal"], r["guarantee_fee"])
                for r in section["rows"]] == [("ZZB-1", "ZZB", "2000000.00", "20000.00")]
        # in June it guarantees the same loan, begun in January: in its attachment
        june = packs.build_pack(uow, actor, JUNE, fmt="json", institution=institution)
        doc = json.loads(june.files[f"{JUNE}_institution_ZZDB.json"])
        assert _section(doc, "guaranteed")["rows"] == []
        assert f"{JUNE}_ZZDB_loans.csv：共 1 笔" in _section(doc, "guaranteed")["paragraphs"][0]
        listed = june.files[f"{JUNE}_ZZDB_loans.csv"].decode("utf-8-sig").splitlines()
        assert len(listed) == 2 and listed[1].startswith("ZZB-1,ZZB,")
    bank = json.loads(packs.build_pack(uow, actor, JUNE, fmt="json", institution="ZZB")
                      .files[f"{JUNE}_institution_ZZB.json"])
    assert "guaranteed" not in [s["key"] for s in bank["sections"]]


def test_the_claims_register_shows_each_rejection_s_reason(uow, actor, clock) -> None:
    _month(uow, actor, clock)
    pack = packs.build_pack(uow, actor, JUNE, fmt="pdf")
    assert "贷款用途与备案不符" in _pdf_text(pack.files[f"{JUNE}_claims.pdf"])


def test_a_closed_month_keeps_the_issuer_and_preparer_of_its_close(uow, actor, clock) -> None:
    _month(uow, actor, clock)
    settings.set_value(uow, actor, settings.ISSUER, "郑州市科学技术局")
    clock.now = dt.datetime(2025, 7, 2, 9)
    closing.close_through(uow, actor, JUNE)
    uow.commit()
    first = packs.build_pack(uow, actor, JUNE, fmt="json")
    settings.set_value(uow, actor, settings.ISSUER, "郑州市财政局")
    uow.commit()
    again = packs.build_pack(uow, actor, JUNE, fmt="json")
    assert again.files == first.files
    assert json.loads(again.files[f"{JUNE}_reserve.json"])["issuer"] == "郑州市科学技术局"
