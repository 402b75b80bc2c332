"""A close signs its PDFs (PAdES) and its chain head; the signed bytes are the statements ever after."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from zhengkedai.render.pades import check_pdf


@pytest.fixture
def signed(zkd_frozen, tmp_path):  # type: ignore[no-untyped-def]
    """A ledger with a test key, January 2025 closed (and so signed), its pack written."""
    zkd = zkd_frozen
    assert zkd("signing", "init").exit_code == 0
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    zkd("reserve", "deposit", "1,000", "--source", "city", "--at", "ZZB", "--on", "2025-01-02",
        "--ref", "CZ-1")
    closed = zkd("close", "2025-01")
    assert closed.exit_code == 0, closed.output
    assert "signed with certificate" in closed.output
    out = tmp_path / "pack"
    assert zkd("statement", "2025-01", "-o", str(out)).exit_code == 0
    return zkd, out


def test_a_closed_months_pdfs_are_signed_and_regenerate_to_the_same_signed_bytes(
        signed, tmp_path) -> None:
    zkd, out = signed
    again = tmp_path / "again"
    assert zkd("statement", "2025-01", "-o", str(again)).exit_code == 0
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 5
    for pdf in pdfs:
        assert pdf.read_bytes() == (again / pdf.name).read_bytes()
        assert b"/ByteRange" in pdf.read_bytes() and b"ETSI.CAdES.detached" in pdf.read_bytes()


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils not installed")
def test_pdfsig_reports_the_signature_valid_and_the_whole_document_signed(signed) -> None:
    _zkd, out = signed
    report = subprocess.run(["pdfsig", str(out / "2025-01_reserve.pdf")], capture_output=True,
                            text=True, check=False).stdout
    assert "Signature is Valid." in report
    assert "Total document signed" in report


def test_a_byte_changed_in_a_signed_pdf_breaks_its_signature(signed, db_url) -> None:
    _zkd, out = signed
    from zhengkedai.db.engine import make_engine
    from zhengkedai.db.uow import UnitOfWork
    from zhengkedai.services.signing import certificates

    engine = make_engine(db_url)
    with UnitOfWork(engine) as uow:
        certs = certificates(uow)
    engine.dispose()
    pdf = (out / "2025-01_reserve.pdf").read_bytes()
    assert check_pdf(pdf, certs).valid
    data = bytearray(pdf)
    data[len(data) // 3] ^= 1
    assert not check_pdf(bytes(data), certs).valid


def test_an_unsigned_ledger_closes_as_before_and_says_so(zkd_frozen, tmp_path: Path) -> None:
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    closed = zkd("close", "2025-01")
    assert closed.exit_code == 0, closed.output
    assert "Not signed: this ledger has no signing key" in closed.output
    out = tmp_path / "pack"
    assert zkd("statement", "2025-01", "-o", str(out)).exit_code == 0
    assert b"/ByteRange" not in (out / "2025-01_reserve.pdf").read_bytes()


def test_a_ledger_whose_key_file_is_missing_refuses_to_close(zkd_frozen, signing_dir) -> None:
    zkd = zkd_frozen
    assert zkd("signing", "init").exit_code == 0
    for key_file in signing_dir.glob("*.p12"):
        key_file.unlink()
    refused = zkd("close", "2025-01")
    assert refused.exit_code == 1
    assert "key file" in refused.output and "is not here" in refused.output


def test_verify_pack_checks_each_pdfs_signature_and_says_so_in_the_month_line(signed) -> None:
    zkd, out = signed
    r = zkd("verify", "--pack", str(out))
    assert r.exit_code == 0, r.output
    assert "2025-01: 6 files match the archive, signatures valid, chain head matches entry #1" \
        in r.output
