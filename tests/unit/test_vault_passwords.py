"""Passwords are Unicode-normalised (NFC) wherever one is set or checked: the decomposed (NFD)
form of a password opens what the composed form made and the other way round, for logins,
password changes and resets, backups and the command line; slots made before normalisation
(the legacy vault's ``zoe``, made from an NFD password) keep opening with either form; and an
unknown user still costs as many key derivations as a wrong password."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

import transitions_app.cli as cli
from models.errors import AuthenticationFailed
from models.roles import Role
from models.vault import KdfParams, crypto
from tests.pg import Backend
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "café-crème-brûlée"
NFC = unicodedata.normalize("NFC", PASSWORD)
NFD = unicodedata.normalize("NFD", PASSWORD)
LEGACY = Path(__file__).parent.parent / "data" / "legacy-vault-schema3.db"


def test_the_two_forms_differ() -> None:
    assert NFC != NFD
    assert NFC.encode() != NFD.encode()


def test_either_form_opens_what_the_other_made(backend: Backend) -> None:
    boss, _ = VaultService.create(**backend.where, user="boss", password=NFC, kdf=FAST)
    boss.add_user("pat", Role.PRACTITIONER, NFD)
    boss.close()
    VaultService.open(**backend.where, user="boss", password=NFD).close()
    VaultService.open(**backend.where, user="pat", password=NFC).close()
    pat = VaultService.open(**backend.where, user="pat", password=NFD)
    pat.change_password(NFC, "plain-ascii-password")  # the old one checked in the other form
    pat.change_password("plain-ascii-password", NFD)
    pat.close()
    boss = VaultService.open(**backend.where, user="boss", password=NFC)
    boss.reset_password("pat", NFC)
    boss.close()
    VaultService.open(**backend.where, user="pat", password=NFD).close()
    with pytest.raises(AuthenticationFailed):
        VaultService.open(**backend.where, user="pat", password="cafe-creme-brulee")


def test_a_backup_opens_with_either_form(tmp_path: Path) -> None:
    boss, _ = VaultService.create(tmp_path / "v", "boss", NFD, kdf=FAST)
    boss.new_record()
    boss.backup(tmp_path / "b.tvbak")
    boss.close()
    VaultService.restore(tmp_path / "b.tvbak", tmp_path / "restored", user="boss", password=NFC)
    VaultService.open(tmp_path / "restored", "boss", NFC).close()


def test_slots_made_before_normalisation_keep_opening(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(LEGACY, folder / "vault.db")
    zoe = "café-crème-password"
    typed_then = unicodedata.normalize("NFD", zoe)
    VaultService.open(folder, "zoe", typed_then).close()  # as typed when the slot was made
    VaultService.open(folder, "zoe", unicodedata.normalize("NFC", zoe)).close()  # and composed
    with pytest.raises(AuthenticationFailed):
        VaultService.open(folder, "zoe", "cafe-creme-password")


def test_the_command_line_takes_either_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRANSITIONS_PASSWORD", raising=False)
    made = tmp_path / "made.txt"
    made.write_text(NFC, encoding="utf-8")
    vault = tmp_path / "v"
    assert cli.main(["vault", "init", "--vault", str(vault), "--password-file", str(made)]) == 0
    typed = tmp_path / "typed.txt"
    typed.write_text(NFD + "\n", encoding="utf-8")
    capsys.readouterr()
    code = cli.main(["vault", "check", "--vault", str(vault), "--password-file", str(typed)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), out
    monkeypatch.setenv("TRANSITIONS_PASSWORD", NFD)
    assert cli.main(["records", "list", "--vault", str(vault)]) == 0


def test_an_unknown_user_costs_as_many_derivations_as_a_wrong_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boss, _ = VaultService.create(tmp_path / "v", "boss", "plain-ascii-password", kdf=FAST)
    boss.close()
    calls: list[str] = []
    real = crypto.derive_kek

    def counting(secret: str, salt: bytes, params: KdfParams) -> bytes:
        calls.append(secret)
        return real(secret, salt, KdfParams(8 * 1024, 1, 1))

    monkeypatch.setattr(crypto, "derive_kek", counting)
    wrong = "Ångström-is-not-it"  # not NFC as typed: three forms to try
    for user in ("boss", "nobody"):
        calls.clear()
        with pytest.raises(AuthenticationFailed):
            VaultService.open(tmp_path / "v", user, unicodedata.normalize("NFD", wrong))
        assert len(calls) == 2, (user, calls)
