"""The command-line contract: demo, records list/show/import, exit codes and plain errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.interchange import record_to_bytes
from models.synthetic import generate_records
from transitions_app.cli import main

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli") / "vault"
    mp = pytest.MonkeyPatch()
    mp.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    try:
        assert main(["demo", "--vault", str(directory), "--children", "6", "--seed", "4"]) == 0
    finally:
        mp.undo()
    return directory


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)


def test_version_and_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "transitions_app", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("transitions-app ")
    help_text = subprocess.run(
        [sys.executable, "-m", "transitions_app", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("selftest", "demo", "records", "vault"):
        assert command in help_text


def test_list_json(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["records", "list", "--vault", str(vault), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["records"]) == 6
    assert data["damaged"] == []
    row = data["records"][0]
    assert {"id", "name", "school", "status", "completeness", "flags"} <= set(row)


def test_show_json_round_trips(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["records", "list", "--vault", str(vault), "--json"])
    first = json.loads(capsys.readouterr().out)["records"][0]["id"]
    assert main(["records", "show", first, "--vault", str(vault), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["record"]["id"] == first
    assert shown["framework"] == {"id": "eyfs-school-readiness", "version": 1}


def test_import_json(vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = generate_records(1, seed=99)[0]
    path = tmp_path / "child.json"
    path.write_bytes(record_to_bytes(record))
    assert main(["records", "import", str(path), "--vault", str(vault)]) == 0
    assert record.display_name in capsys.readouterr().out
    assert main(["records", "show", record.id, "--vault", str(vault), "--json"]) == 0


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"not json", 2), (b'{"format": "transitions-record"}', 2), (b"%PDF-1.7 broken", 1)],
)
def test_import_bad_file_is_refused_with_one_sentence(
    vault: Path, tmp_path: Path, content: bytes, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main(["records", "import", str(path), "--vault", str(vault)]) == code
    err = capsys.readouterr().err.strip()
    assert err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_wrong_password_is_exit_3(
    vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRANSITIONS_PASSWORD", "wrong password")
    assert main(["records", "list", "--vault", str(vault)]) == 3
    assert "Traceback" not in capsys.readouterr().err


def test_password_file(vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRANSITIONS_PASSWORD")
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    assert main(["records", "list", "--vault", str(vault), "--password-file", str(secret)]) == 0


def test_no_password_never_prompts_without_a_terminal(vault: Path) -> None:
    env = {k: v for k, v in __import__("os").environ.items() if k != "TRANSITIONS_PASSWORD"}
    out = subprocess.run(
        [sys.executable, "-m", "transitions_app", "records", "list", "--vault", str(vault)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=60,
    )
    assert out.returncode == 2
    assert "No password given" in out.stderr


def test_missing_vault_and_unknown_record(
    tmp_path: Path, vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["records", "list", "--vault", str(tmp_path / "nowhere")]) == 2
    assert "No vault was found" in capsys.readouterr().err
    assert main(["records", "show", "no-such-id", "--vault", str(vault)]) == 2


def test_bad_usage_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["records", "frobnicate"])
    assert exc.value.code == 2


def test_selftest_passes() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "transitions_app", "selftest", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] is True
    assert {c["name"] for c in data["checks"]} >= {"Qt", "Cryptography", "Fonts", "PDF"}


def test_no_core_dumps() -> None:
    code = "import resource; from transitions_app.cli import harden_process; harden_process(); print(resource.getrlimit(resource.RLIMIT_CORE))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(0, 0)"


def test_a_reader_that_stops_early_gets_no_traceback(vault: Path) -> None:
    """``records list --json | head``: the reader has gone; the command stops quietly."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # as head does once it has its lines: every write now fails with EPIPE
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "transitions_app",
                "records",
                "list",
                "--vault",
                str(vault),
                "--user",
                "manager",
                "--json",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr.decode() == ""
