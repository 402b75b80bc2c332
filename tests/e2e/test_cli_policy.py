"""Policies as staff and auditors read them: list, show, activate, load."""

from __future__ import annotations

import json
import shutil

from zhengkedai.domain.policy import default_policy_dir


def test_init_loads_the_policies_and_list_shows_zhengzhou_2019_active(zkd) -> None:  # type: ignore[no-untyped-def]
    r = zkd("init")
    assert r.exit_code == 0 and "Policies stored: zhengzhou-2019, henan-2025; active: " \
        "zhengzhou-2019" in r.output, r.output
    assert "Policies stored" not in zkd("init").output
    doc = json.loads(zkd("policy", "list", "--format", "json").output)
    assert {(p["name"], p["active"]) for p in doc} == {("zhengzhou-2019", True),
                                                       ("henan-2025", False)}


def test_show_prints_each_rule_with_its_clause_and_marks_programme_choices(zkd) -> None:  # type: ignore[no-untyped-def]
    zkd("init")
    r = zkd("policy", "show", "--on", "2025-01-10")
    assert r.exit_code == 0, r.output
    assert "version zhengzhou-2019/2019" in r.output
    assert "at most 5,000,000.00 per loan" in r.output and "第(十九)条" in r.output
    assert "programme choice" in r.output
    doc = json.loads(zkd("policy", "show", "henan-2025", "--on", "2025-06-01",
                         "--format", "json").output)
    assert doc["version_policy"] == "henan-2025"
    tiers = [row["value"] for row in doc["rows"] if "ratio" in row["section"]]
    assert "60% when revenue_prev_year ≤ 20,000,000.00" in tiers
    earlier = json.loads(zkd("policy", "show", "henan-2025", "--on", "2025-05-31",
                             "--format", "json").output)
    assert earlier["version_policy"] == "zhengzhou-2019"  # the predecessor governs older loans


def test_activate_switches_the_active_policy_and_refuses_an_unknown_name(zkd) -> None:  # type: ignore[no-untyped-def]
    zkd("init")
    r = zkd("policy", "activate", "henan-2025")
    assert r.exit_code == 0 and "Active policy: henan-2025" in r.output
    assert "henan-2025" in zkd("policy", "show", "--on", "2025-07-01").output
    r = zkd("policy", "activate", "nope")
    assert r.exit_code == 1 and r.stderr.startswith("Error: no stored policy named 'nope'")


def test_load_stores_a_policy_file_once(zkd, tmp_path) -> None:  # type: ignore[no-untyped-def]
    zkd("init")
    text = (default_policy_dir() / "henan-2025.toml").read_text(encoding="utf-8")
    path = tmp_path / "henan-2026.toml"
    path.write_text(text.replace('name = "henan-2025"', 'name = "henan-2026"'), encoding="utf-8")
    r = zkd("policy", "load", str(path))
    assert r.exit_code == 0 and "Stored policy henan-2026" in r.output, r.output
    assert "nothing changed" in zkd("policy", "load", str(path)).output
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('ratio = "80%"', 'ratio = 0.8', 1), encoding="utf-8")
    r = zkd("policy", "load", str(bad))
    assert r.exit_code == 1 and "not 0.8" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def _edited_bundle(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The program upgraded with zhengzhou-2019's per-loan cap edited in its bundled file."""
    folder = tmp_path / "resources" / "templates" / "policies"
    shutil.copytree(default_policy_dir(), folder)
    path = folder / "zhengzhou-2019.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'amount = "5000000.00"', 'amount = "4000000.00"'), encoding="utf-8")
    monkeypatch.setenv("ZKD_RESOURCES_DIR", str(tmp_path / "resources"))
    return path


def test_init_on_a_running_ledger_never_activates_an_edited_bundled_policy(
        zkd, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    zkd("init")
    before = zkd("policy", "list", "--format", "json").output
    history = zkd("policy", "history", "--format", "json").output
    path = _edited_bundle(tmp_path, monkeypatch)
    r = zkd("init")
    assert r.exit_code == 0, r.output
    assert f"The bundled policy file {path} differs from the stored policy zhengzhou-2019" \
        in r.output
    assert f"`zkd policy load {path}`, then `zkd policy activate zhengzhou-2019`" in r.output
    assert zkd("policy", "list", "--format", "json").output == before
    assert zkd("policy", "history", "--format", "json").output == history
    assert "at most 5,000,000.00 per loan" in zkd("policy", "show", "--on", "2025-01-10").output


def test_load_and_activate_are_recorded_with_who_and_when_and_listed(
        zkd, operator, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    zkd("init")
    path = _edited_bundle(tmp_path, monkeypatch)
    assert zkd("policy", "load", str(path)).exit_code == 0
    r = zkd("policy", "activate", "zhengzhou-2019")
    assert r.exit_code == 0 and "Active policy: zhengzhou-2019" in r.output, r.output
    again = zkd("policy", "activate", "zhengzhou-2019")
    assert again.exit_code == 0 and "already active; nothing changed" in again.output
    log = json.loads(zkd("policy", "history", "--format", "json").output)
    assert [(c["action"], c["name"], c["command"], c["changed_by"]) for c in log] == [
        ("load", "zhengzhou-2019", "zkd init", operator),
        ("load", "henan-2025", "zkd init", operator),
        ("activate", "zhengzhou-2019", "zkd init", operator),
        ("load", "zhengzhou-2019", "zkd policy load", operator),
        ("activate", "zhengzhou-2019", "zkd policy activate", operator)]
    assert log[-1]["previous_id"] == log[0]["policy_id"] != log[-1]["policy_id"]
    listed = {p["id"]: p for p in json.loads(zkd("policy", "list", "--format", "json").output)}
    now = listed[log[-1]["policy_id"]]
    assert now["active"] and now["activated_by"] == operator and now["activated_at"]
    assert listed[log[0]["policy_id"]]["activated_by"] == operator  # activated by init, once
    assert "at most 4,000,000.00 per loan" in zkd("policy", "show", "--on", "2025-01-10").output
    assert zkd("verify").exit_code == 0
