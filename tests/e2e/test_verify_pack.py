"""``zkd verify --pack DIR`` is strict: the archive, the full set, the close's head, no stray files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest


@pytest.fixture
def pack(zkd_frozen, tmp_path):  # type: ignore[no-untyped-def]
    """January 2025 closed, its PDF statements written to a folder."""
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    zkd("reserve", "deposit", "1,000", "--source", "city", "--at", "ZZB", "--on", "2025-01-02",
        "--ref", "CZ-1")
    assert zkd("close", "2025-01").exit_code == 0
    out = tmp_path / "pack"
    assert zkd("statement", "2025-01", "-o", str(out)).exit_code == 0
    return zkd, out


def _manifest(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "2025-01_manifest.json").read_text(encoding="utf-8"))


def _save(out: Path, manifest: dict) -> None:  # type: ignore[type-arg]
    (out / "2025-01_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _failed(zkd, out: Path, *needles: str) -> str:  # type: ignore[no-untyped-def]
    r = zkd("verify", "--pack", str(out))
    assert r.exit_code == 1, r.output
    for needle in needles:
        assert needle in r.stderr, r.stderr
    return r.stderr


def test_a_good_pack_is_reported_month_by_month(pack) -> None:
    zkd, out = pack
    r = zkd("verify", "--pack", str(out))
    assert r.exit_code == 0, r.output
    # five statements and the one institution's loan list that goes with its 对账单
    assert "2025-01: 6 files match the archive" in r.output
    assert "chain head matches entry #1" in r.output


def test_a_changed_pdf_with_its_new_hash_in_the_manifest_differs_from_the_archive(pack) -> None:
    zkd, out = pack
    pdf = out / "2025-01_reserve.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 1
    pdf.write_bytes(bytes(data))
    manifest = _manifest(out)
    for item in manifest["files"]:
        if item["name"] == pdf.name:
            item["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    _save(out, manifest)
    _failed(zkd, out, "2025-01_reserve.pdf: differs from the statement archived at the close")


def test_a_file_no_manifest_lists_is_named(pack) -> None:
    zkd, out = pack
    (out / "2025-01_extra.pdf").write_bytes(b"%PDF-1.4 not ours")
    _failed(zkd, out, "2025-01_extra.pdf: in the pack, but no manifest lists it")


def test_an_emptied_manifest_is_refused(pack) -> None:
    zkd, out = pack
    manifest = _manifest(out)
    manifest["files"] = []
    _save(out, manifest)
    _failed(zkd, out, "malformed manifest: lists no files")


def test_a_manifest_that_is_not_json_is_refused(pack) -> None:
    zkd, out = pack
    (out / "2025-01_manifest.json").write_bytes(b"{not json")
    _failed(zkd, out, "malformed manifest: not readable as JSON")


def test_a_genesis_chain_head_in_the_manifest_is_not_the_closes(pack) -> None:
    zkd, out = pack
    manifest = _manifest(out)
    manifest["chain"] = {"last_seq": 0, "head": "0" * 64}
    _save(out, manifest)
    _failed(zkd, out, "the manifest's chain head (entry #0", "is not the head 2025-01 was closed "
            "at (entry #1")


def test_a_statement_removed_with_its_manifest_line_is_missing_from_the_full_set(pack) -> None:
    zkd, out = pack
    manifest = _manifest(out)
    manifest["files"] = [i for i in manifest["files"] if i["name"] != "2025-01_claims.pdf"]
    _save(out, manifest)
    (out / "2025-01_claims.pdf").unlink()
    _failed(zkd, out, "2025-01_claims.pdf: a statement of 2025-01, missing from the manifest")


def test_a_manifest_naming_a_file_outside_the_pack_is_refused_and_nothing_outside_is_read(
        pack, tmp_path) -> None:
    zkd, out = pack
    secret = tmp_path / "outside.pdf"
    secret.write_bytes(b"outside")
    manifest = _manifest(out)
    manifest["files"].append({"name": "../outside.pdf",
                              "sha256": hashlib.sha256(b"outside").hexdigest()})
    _save(out, manifest)
    _failed(zkd, out, "malformed manifest: file entry", "../outside.pdf")


def test_a_file_missing_from_the_folder_is_named(pack) -> None:
    zkd, out = pack
    (out / "2025-01_trial_balance.pdf").unlink()
    _failed(zkd, out, "2025-01_trial_balance.pdf: listed in the manifest, missing from the pack")


def test_a_pack_written_again_after_a_killed_write_holds_no_leftover_and_verifies(pack) -> None:
    zkd, out = pack
    # what a statement killed while writing its claims register leaves behind
    (out / ".2025-01_claims.pdf.x1y2z3.zkd-tmp").write_bytes(b"%PDF-1.4 half")
    assert zkd("statement", "2025-01", "-o", str(out)).exit_code == 0
    assert not list(out.glob(".*.zkd-tmp"))
    assert zkd("verify", "--pack", str(out)).exit_code == 0


def test_writing_a_pack_beside_other_files_warns_that_verify_wants_a_folder_of_its_own(
        pack) -> None:  # type: ignore[no-untyped-def]
    zkd, out = pack
    (out / "mine.txt").write_text("a clerk's note", encoding="utf-8")
    r = zkd("statement", "2025-01", "-o", str(out))
    assert r.exit_code == 0
    assert "also holds mine.txt, not of this pack" in r.stderr
    assert (out / "mine.txt").read_text(encoding="utf-8") == "a clerk's note"
