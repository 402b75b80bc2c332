"""``zkd signing init|import|show`` and ``zkd seal``: the key outside the ledger, the certificate in it."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import create_engine, text

from zhengkedai.services.signing import make_test_key


def _programme_p12(path: Path, passphrase: bytes) -> Path:
    key, cert = make_test_key("郑州市科学技术局 郑科贷", dt.datetime(2025, 1, 1))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"programme", key, cert, None, serialization.BestAvailableEncryption(passphrase)))
    return path


def test_signing_init_keeps_the_key_in_the_key_folder_and_only_the_certificate_in_the_ledger(
        zkd, db_url, signing_dir):
    assert zkd("init").exit_code == 0
    result = zkd("signing", "init")
    assert result.exit_code == 0, result.output
    (key_file,) = signing_dir.glob("*.p12")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    shown = zkd("signing", "show")
    assert shown.exit_code == 0
    assert key_file.stem in shown.output  # the fingerprint names the key file
    assert "test ledger" in shown.output and "valid until" in shown.output
    engine = create_engine(db_url)
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT fingerprint FROM signing_certificates")).scalars().all()
    engine.dispose()
    assert tables == [key_file.stem]


def test_signing_import_loads_the_programmes_p12_with_the_passphrase_from_stdin(
        zkd, tmp_path, signing_dir):
    assert zkd("init").exit_code == 0
    p12 = _programme_p12(tmp_path / "programme.p12", b"s3cret")
    result = zkd("signing", "import", str(p12), "--passphrase-stdin", input="s3cret\n")
    assert result.exit_code == 0, result.output
    assert "郑州市科学技术局" in zkd("signing", "show").output
    (copied,) = signing_dir.glob("*.p12")
    assert copied.read_bytes() == p12.read_bytes()
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600


def test_a_wrong_passphrase_is_one_error_line_and_nothing_is_installed(zkd, tmp_path,
                                                                       signing_dir):
    assert zkd("init").exit_code == 0
    p12 = _programme_p12(tmp_path / "programme.p12", b"s3cret")
    result = zkd("signing", "import", str(p12), "--passphrase-stdin", input="wrong\n")
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot open the PKCS#12 file")
    assert "Traceback" not in result.output
    assert list(signing_dir.glob("*.p12")) == []
    assert zkd("signing", "show").exit_code == 1


def test_seal_needs_the_key_and_the_key_file_must_open_with_ZKD_SIGNING_PASSPHRASE(
        zkd, tmp_path, monkeypatch):
    assert zkd("init").exit_code == 0
    refused = zkd("seal")
    assert refused.exit_code == 1 and "no signing key" in refused.output
    monkeypatch.setenv("ZKD_SIGNING_PASSPHRASE", "s3cret")
    p12 = _programme_p12(tmp_path / "programme.p12", b"s3cret")
    assert zkd("signing", "import", str(p12)).exit_code == 0
    monkeypatch.delenv("ZKD_SIGNING_PASSPHRASE")
    locked = zkd("seal")
    assert locked.exit_code == 1 and "ZKD_SIGNING_PASSPHRASE" in locked.output
    monkeypatch.setenv("ZKD_SIGNING_PASSPHRASE", "s3cret")
    sealed = zkd("seal")
    assert sealed.exit_code == 0, sealed.output
    assert "Sealed: chain head" in sealed.output
