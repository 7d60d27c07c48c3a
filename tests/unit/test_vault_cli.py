"""``transitions-app vault ...``: exit codes, one-sentence errors, no prompts without a terminal."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

import transitions_app.cli as cli
from models.vault import KdfParams
from transitions_app.services.vault_service import VaultService

PW = "manager-cli-password"


@pytest.fixture(autouse=True)
def only_vault_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("transitions_app.cli.vault_cmd",))
    monkeypatch.delenv("TRANSITIONS_PASSWORD", raising=False)
    monkeypatch.delenv("TRANSITIONS_NEW_PASSWORD", raising=False)
    monkeypatch.delenv("TRANSITIONS_RECOVERY_KEY", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> str:
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


def test_init_prints_the_recovery_key_once_and_uses_default_kdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = str(tmp_path / "v")
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PW)
    code, out, err = run(capsys, "vault", "init", "--vault", vault)
    assert code == 0
    assert err == ""
    keys = re.findall(r"\b[A-Z2-7]{5}(?:-[A-Z2-7]{5}){7}\b", out)
    assert len(keys) == 1
    code, _, err = run(capsys, "vault", "init", "--vault", vault)
    assert code == 2
    assert "already a vault" in err
    monkeypatch.delenv("TRANSITIONS_PASSWORD")
    rescued = VaultService.open_with_recovery_key(
        Path(vault), keys[0], new_manager="manager", new_password="fresh-password"
    )
    rescued.close()


def test_no_password_and_no_terminal_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "vault", "init", "--vault", str(tmp_path / "v"))
    assert code == 2
    assert "No password given" in err
    assert not (tmp_path / "v").exists()


@pytest.fixture
def made(tmp_path: Path) -> Path:
    directory = tmp_path / "vault"
    service, _ = VaultService.create(directory, "manager", PW, kdf=KdfParams(8 * 1024, 1, 1))
    for _ in range(3):
        service.new_record()
    service.close()
    return directory


def test_users_check_backup_restore(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pw = write(tmp_path / "pw", PW)
    new_pw = write(tmp_path / "new", "practitioner-pass")
    base = ["--vault", str(made), "--password-file", pw]
    code, out, _ = run(
        capsys,
        "vault",
        "user",
        "add",
        "pat",
        "--role",
        "practitioner",
        "--new-password-file",
        new_pw,
        *base,
    )
    assert code == 0
    assert "pat" in out
    code, out, _ = run(capsys, "vault", "user", "list", "--json", *base)
    assert code == 0
    assert '"name": "pat"' in out
    assert '"role": "practitioner"' in out
    # a practitioner cannot manage users
    code, _, err = run(
        capsys,
        "vault",
        "user",
        "remove",
        "manager",
        "--vault",
        str(made),
        "--password-file",
        new_pw,
        "--user",
        "pat",
    )
    assert code == 2
    assert "manager" in err.lower()
    code, _, _ = run(capsys, "vault", "user", "remove", "pat", *base)
    assert code == 0
    code, _, err = run(
        capsys, "vault", "check", "--vault", str(made), "--password-file", new_pw, "--user", "pat"
    )
    assert code == 3
    assert err.count("\n") == 1
    code, out, _ = run(capsys, "vault", "check", *base)
    assert code == 0
    assert "sound" in out
    backup = tmp_path / "b.backup"
    code, _, _ = run(capsys, "vault", "backup", "--out", str(backup), *base)
    assert code == 0
    assert backup.exists()
    code, _, _ = run(
        capsys,
        "vault",
        "restore",
        str(backup),
        "--vault",
        str(tmp_path / "restored"),
        "--password-file",
        pw,
    )
    assert code == 0
    code, _, _ = run(
        capsys, "vault", "check", "--vault", str(tmp_path / "restored"), "--password-file", pw
    )
    assert code == 0
    backup.write_bytes(backup.read_bytes()[:-10])
    code, _, err = run(
        capsys,
        "vault",
        "restore",
        str(backup),
        "--vault",
        str(tmp_path / "again"),
        "--password-file",
        pw,
    )
    assert code == 1
    assert "nothing was restored" in err
    assert not (tmp_path / "again").exists()


def test_wrong_password_exits_3(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path / "bad", "not-the-password")
    code, out, err = run(capsys, "vault", "check", "--vault", str(made), "--password-file", bad)
    assert code == 3
    assert out == ""
    assert err.strip().endswith(".")
    assert err.count("\n") == 1


def test_check_names_each_damaged_record_and_broken_link(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pw = write(tmp_path / "pw", PW)
    with sqlite3.connect(made / "vault.db") as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM records ORDER BY id")]
        conn.execute("UPDATE records SET nonce = zeroblob(12) WHERE id = ?", (ids[0],))
        conn.execute("UPDATE audit SET user_name = 'intruder' WHERE seq = 2")
    code, out, _ = run(capsys, "vault", "check", "--vault", str(made), "--password-file", pw)
    assert code == 1
    assert ids[0] in out
    assert "Audit entry 2" in out
    assert ids[1] not in out
    assert ids[2] not in out
    code, out, _ = run(
        capsys, "vault", "check", "--json", "--vault", str(made), "--password-file", pw
    )
    assert code == 1
    assert '"ok": false' in out


def test_missing_vault_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pw = write(tmp_path / "pw", PW)
    code, _, err = run(
        capsys, "vault", "check", "--vault", str(tmp_path / "none"), "--password-file", pw
    )
    assert code == 2
    assert "No vault" in err


def test_user_reset_password(
    made: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pw = write(tmp_path / "pw", PW)
    first = write(tmp_path / "first", "practitioner-pass")
    second = write(tmp_path / "second", "a-brand-new-pass")
    base = ["--vault", str(made), "--password-file", pw]
    assert (
        run(
            capsys,
            "vault",
            "user",
            "add",
            "pat",
            "--role",
            "practitioner",
            "--new-password-file",
            first,
            *base,
        )[0]
        == 0
    )
    code, out, err = run(
        capsys, "vault", "user", "reset-password", "pat", "--new-password-file", second, *base
    )
    assert (code, err) == (0, "")
    assert "new password" in out
    as_pat_old = ["--vault", str(made), "--password-file", first, "--user", "pat"]
    as_pat_new = ["--vault", str(made), "--password-file", second, "--user", "pat"]
    assert run(capsys, "vault", "user", "list", *as_pat_old)[0] == 3
    assert run(capsys, "vault", "user", "list", *as_pat_new)[0] == 0
    code, _, err = run(
        capsys,
        "vault",
        "user",
        "reset-password",
        "manager",
        "--new-password-file",
        first,
        *as_pat_new,
    )
    assert code != 0
    assert "Only a manager" in err
