"""The charter service on a real vault, and ``charter import`` / ``charter show`` end to end."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from export import pki
from models.errors import (
    CharterInvalid,
    CharterViolation,
    PermissionDenied,
    SignatureInvalid,
    VaultError,
)
from models.roles import Role
from models.vault import KdfParams
from transitions_app.cli import charter_cmd, main
from transitions_app.services import charter_service
from transitions_app.services.charter_service import CHARTER_BLOB, CharterService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
PASSWORD = "vault-password-fictional"
EXAMPLES = Path(__file__).resolve().parents[2] / "charters"
NORTH = EXAMPLES / "northshire"
RIVER = EXAMPLES / "riverbend"
SETTING_PASS = "demo-setting-passphrase"


def _files(folder: Path) -> tuple[bytes, bytes, bytes, bytes]:
    return (
        (folder / "charter.signed.toml").read_bytes(),
        (folder / "la-ca" / pki.ROOT_CERT_FILE).read_bytes(),
        (folder / "crl.pem").read_bytes(),
        (folder / "little-acorns-nursery.p12").read_bytes(),
    )


@pytest.fixture
def vault(tmp_path: Path) -> VaultService:
    service, _ = VaultService.create(tmp_path / "vault", "manager", PASSWORD, kdf=FAST)
    service.add_user("kay", Role.PRACTITIONER, PASSWORD)
    return service


def test_import_stores_charter_root_crl_and_setting_identity(vault: VaultService) -> None:
    signed, root, crl, p12 = _files(NORTH)
    service = CharterService(vault, clock=lambda: NOW)
    assert service.charter() is None
    assert service.setting_identity() is None
    result = service.import_charter(signed, root_pem=root, crl=crl)
    assert result.charter.identity.id == "northshire-transitions"
    identity = service.import_setting_p12(p12, SETTING_PASS)
    trust = service.trust()
    assert trust is not None
    assert trust.signed_bytes == signed
    assert trust.root == pki.load_certificate(root)
    assert trust.crl is not None
    assert len(list(trust.crl)) == 1
    again = service.setting_identity()
    assert again is not None
    assert again.cert == identity.cert
    assert again.chain == (trust.root,)
    assert service.identity_is_la_issued(again)
    summary = service.summary()
    assert summary["setting_certificate"]["la_issued"] is True
    assert summary["charter"]["consent"]["separate_consent_sections"] == ["health"]
    # The key never sits in the vault unencrypted: the blob holds a PKCS#12, not a PEM key.
    blob = vault.get_blob(charter_service.IDENTITY_BLOB)
    assert blob is not None
    assert b"PRIVATE KEY" not in blob


def test_only_a_manager_imports(vault: VaultService, tmp_path: Path) -> None:
    signed, root, crl, p12 = _files(NORTH)
    CharterService(vault, clock=lambda: NOW).import_charter(signed, root_pem=root)
    vault.close()
    kay = VaultService.open(tmp_path / "vault", "kay", PASSWORD)
    service = CharterService(kay, clock=lambda: NOW)
    assert service.charter() is not None  # everyone reads the rules
    with pytest.raises(PermissionDenied):
        service.import_charter(signed, root_pem=root)
    with pytest.raises(PermissionDenied):
        service.import_setting_p12(p12, SETTING_PASS)
    with pytest.raises(PermissionDenied):
        service.import_crl(crl)
    with pytest.raises(PermissionDenied):
        service.use_self_signed("Little Acorns Nursery (fictional)")
    kay.close()


def test_first_import_needs_the_root_and_a_different_root_needs_replace(
    vault: VaultService,
) -> None:
    n_signed, n_root, _, n_p12 = _files(NORTH)
    r_signed, r_root, _, _ = _files(RIVER)
    service = CharterService(vault, clock=lambda: NOW)
    with pytest.raises(CharterInvalid, match="needs the LA root"):
        service.import_charter(n_signed)
    with pytest.raises(CharterInvalid, match="does not vouch"):
        service.import_charter(n_signed, root_pem=r_root)
    service.import_charter(n_signed, root_pem=n_root)
    with pytest.raises(CharterInvalid, match="does not vouch"):
        service.import_charter(r_signed)  # checked against the stored Northshire root
    with pytest.raises(CharterInvalid, match="replace-root"):
        service.import_charter(r_signed, root_pem=r_root)
    service.import_charter(r_signed, root_pem=r_root, replace_root=True)
    assert service.require_charter().identity.id == "riverbend-transitions"
    with pytest.raises(SignatureInvalid, match="not issued by"):
        service.import_setting_p12(n_p12, SETTING_PASS)  # Northshire's certificate, Riverbend root


def test_a_revoked_setting_certificate_is_refused(vault: VaultService, tmp_path: Path) -> None:
    ca = pki.load_ca(NORTH / "la-ca", "demo-la-passphrase")
    # Work on a copy of the demo CA folder so the shipped index is not changed.
    copy = tmp_path / "ca"
    copy.mkdir()
    for name in (pki.ROOT_KEY_FILE, pki.ROOT_CERT_FILE, pki.INDEX_FILE):
        (copy / name).write_bytes((ca.folder / name).read_bytes())
    ca = pki.load_ca(copy, "demo-la-passphrase")
    identity = ca.issue_setting("Little Acorns Nursery (fictional)", "EY999001", now=NOW)
    ca.revoke(identity.cert.serial_number, now=NOW)
    crl = pki.crl_to_pem(ca.make_crl(now=NOW))
    signed, root, _, _ = _files(NORTH)
    service = CharterService(vault, clock=lambda: NOW)
    service.import_charter(signed, root_pem=root, crl=crl)
    with pytest.raises(SignatureInvalid, match="revoked"):
        service.import_setting_p12(pki.identity_to_p12(identity, SETTING_PASS), SETTING_PASS)


def test_older_crl_is_refused(vault: VaultService, tmp_path: Path) -> None:
    signed, root, crl, _ = _files(NORTH)
    service = CharterService(vault, clock=lambda: NOW)
    with pytest.raises(CharterInvalid, match="before its revocation list"):
        service.import_crl(crl)
    service.import_charter(signed, root_pem=root, crl=crl)
    foreign = _files(RIVER)[2]
    with pytest.raises(SignatureInvalid):
        service.import_crl(foreign)
    service.import_crl(crl)  # the same number again is fine


def test_stored_charter_is_reverified_on_every_read(vault: VaultService) -> None:
    signed, root, _, _ = _files(NORTH)
    CharterService(vault, clock=lambda: NOW).import_charter(signed, root_pem=root)
    late = CharterService(vault, clock=lambda: datetime(2027, 9, 1, tzinfo=UTC))
    with pytest.raises(CharterInvalid, match="expired"):
        late.charter()
    raw = vault.get_blob(CHARTER_BLOB)
    assert raw is not None
    bundle = json.loads(raw)
    text = base64.b64decode(bundle["signed"]).replace(
        b"years_after_leaving = 3", b"years_after_leaving = 30"
    )
    bundle["signed"] = base64.b64encode(text).decode()
    vault.put_blob(CHARTER_BLOB, json.dumps(bundle).encode())
    with pytest.raises(CharterInvalid, match="changed since it was signed"):
        CharterService(vault, clock=lambda: NOW).charter()
    vault.put_blob(CHARTER_BLOB, b"not json")
    with pytest.raises(VaultError):
        CharterService(vault, clock=lambda: NOW).charter()


def test_self_signed_identity(vault: VaultService) -> None:
    service = CharterService(vault, clock=lambda: NOW)
    identity = service.use_self_signed("Little Acorns Nursery (fictional)", "EY999001")
    stored = service.setting_identity()
    assert stored is not None
    assert stored.cert == identity.cert
    assert not service.identity_is_la_issued(stored)


def test_install_example_charter_for_the_demo(vault: VaultService) -> None:
    assert charter_service.install_example_charter(vault, clock=lambda: NOW)
    service = CharterService(vault, clock=lambda: NOW)
    assert service.require_charter().identity.issuing_la == "Northshire County Council (fictional)"
    assert service.setting_identity() is not None


# --- the CLI -------------------------------------------------------------------------------------


def test_charter_import_and_show_cli(
    vault: VaultService,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vault.close()
    monkeypatch.setattr(charter_cmd, "now_utc", lambda: NOW)
    monkeypatch.delenv("TRANSITIONS_PASSWORD", raising=False)
    monkeypatch.delenv(charter_cmd.P12_PASSWORD_ENV, raising=False)
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # noqa: SIM115 - never prompt
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD)
    p12pw = tmp_path / "p12.txt"
    p12pw.write_text(SETTING_PASS + "\n")
    base = ["--vault", str(tmp_path / "vault"), "--password-file", str(pw)]

    assert main(["charter", "show", *base, "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"charter": None}

    imp = ["charter", "import", str(NORTH / "charter.signed.toml"), *base]
    imp += ["--root", str(NORTH / "la-ca" / pki.ROOT_CERT_FILE), "--crl", str(NORTH / "crl.pem")]
    assert main([*imp, "--p12", str(NORTH / "little-acorns-nursery.p12")]) == 2
    assert "No certificate file passphrase given" in capsys.readouterr().err
    full = [
        *imp,
        "--p12",
        str(NORTH / "little-acorns-nursery.p12"),
        "--p12-password-file",
        str(p12pw),
    ]
    assert main([*full, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == "northshire-transitions"

    assert main(["charter", "show", *base, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["charter"]["issuing_la"] == "Northshire County Council (fictional)"
    assert shown["setting_certificate"]["la_issued"] is True
    assert shown["in_force"] is True
    assert main(["charter", "show", *base]) == 0
    assert "Setting certificate:" in capsys.readouterr().out

    kay = ["--vault", str(tmp_path / "vault"), "--password-file", str(pw), "--user", "kay"]
    assert main(["charter", "import", str(RIVER / "charter.signed.toml"), *kay]) == 2
    assert "Only a manager" in capsys.readouterr().err
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not-the-password")
    assert (
        main(["charter", "show", "--vault", str(tmp_path / "vault"), "--password-file", str(wrong)])
        == 3
    )
    capsys.readouterr()

    tampered = tmp_path / "tampered.toml"
    tampered.write_bytes(
        (NORTH / "charter.signed.toml").read_bytes().replace(b"day = 31", b"day = 30", 1)
    )
    assert main(["charter", "import", str(tampered), *base]) == 1
    assert "changed since it was signed" in capsys.readouterr().err


def test_show_reports_no_vault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["charter", "show", "--vault", str(tmp_path / "none"), "--password-file", "x"]) == 2
    assert "No vault" in capsys.readouterr().err


def test_signature_level_decides_whether_a_self_signed_identity_may_export(
    vault: VaultService,
) -> None:
    service = CharterService(vault, clock=lambda: NOW)
    n_signed, n_root, n_crl, n_p12 = _files(NORTH)
    service.import_charter(n_signed, root_pem=n_root, crl=n_crl)
    service.use_self_signed("Little Acorns Nursery (fictional)", "EY999001")
    with pytest.raises(CharterViolation, match="certificate the local authority issued"):
        service.signing_identity_for_export()
    service.import_setting_p12(n_p12, SETTING_PASS)
    assert service.signing_identity_for_export().chain == (pki.load_certificate(n_root),)
    r_signed, r_root, _, _ = _files(RIVER)
    service.import_charter(r_signed, root_pem=r_root, replace_root=True)
    self_signed = service.use_self_signed("Little Acorns Nursery (fictional)", "EY999001")
    assert service.signing_identity_for_export().cert == self_signed.cert  # Riverbend allows it
