"""The LA commands end to end through ``transitions_app.cli.main`` in a temporary folder."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from export import pki
from models.vault import KdfParams
from transitions_app.cli import charter_cmd, la_cmd, main

NOW = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)
LA_PASS = "cli-la-passphrase-fictional"
P12_PASS = "cli-setting-passphrase"
EXAMPLES = Path(__file__).resolve().parents[2] / "charters"


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(la_cmd, "now_utc", lambda: NOW)
    monkeypatch.setattr(charter_cmd, "now_utc", lambda: NOW)
    monkeypatch.delenv("TRANSITIONS_PASSWORD", raising=False)


def _secret(tmp_path: Path, name: str, value: str) -> Path:
    path = tmp_path / name
    path.write_text(value + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def cheap_root_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The LA root key's Argon2id cost is a test of its own (test_pki_ca); keep these quick."""
    monkeypatch.setattr(pki.ca, "ROOT_KEY_KDF", KdfParams(memory_kib=64, iterations=1, lanes=1))


def _json(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_la_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pw = _secret(tmp_path, "la.txt", LA_PASS)
    p12pw = _secret(tmp_path, "p12.txt", P12_PASS)
    ca = tmp_path / "ca"
    name = "Testshire Council (fictional)"
    assert (
        main(["la", "init", "--out", str(ca), "--name", name, "--password-file", str(pw), "--json"])
        == 0
    )
    fingerprint = _json(capsys)["fingerprint"]
    assert fingerprint == pki.fingerprint_sha256(pki.load_root_cert(ca))

    out = tmp_path / "setting.p12"
    args = ["la", "issue", "--ca", str(ca), "--setting", "Little Acorns Nursery (fictional)"]
    args += ["--urn", "EY999001", "--out", str(out), "--password-file", str(pw)]
    assert main([*args, "--p12-password-file", str(p12pw), "--json"]) == 0
    issued = _json(capsys)
    identity = pki.load_setting_p12(out.read_bytes(), P12_PASS)
    assert pki.format_serial(identity.cert.serial_number) == issued["serial"]
    assert out.stat().st_mode & 0o077 == 0

    # Without --p12-password-file the LA passphrase protects the file.
    out2 = tmp_path / "second.p12"
    assert main([*args[:-4], "--out", str(out2), "--password-file", str(pw)]) == 0
    capsys.readouterr()
    pki.load_setting_p12(out2.read_bytes(), LA_PASS)

    assert (
        main(
            ["la", "revoke", "--ca", str(ca), issued["serial"].lower(), "--password-file", str(pw)]
        )
        == 0
    )
    assert "Revoked certificate" in capsys.readouterr().out
    crl_file = tmp_path / "crl.pem"
    assert (
        main(
            [
                "la",
                "crl",
                "--ca",
                str(ca),
                "--out",
                str(crl_file),
                "--password-file",
                str(pw),
                "--json",
            ]
        )
        == 0
    )
    assert _json(capsys)["revoked"] == [issued["serial"]]
    crl = pki.load_crl(crl_file.read_bytes())
    assert pki.is_revoked(crl, identity.cert.serial_number)

    assert main(["la", "list", "--ca", str(ca), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["revoked_on"] is not None for r in rows] == [True, False]

    signed = tmp_path / "charter.signed.toml"
    source = EXAMPLES / "riverbend" / "charter.toml"
    sign = ["la", "sign-charter", "--ca", str(ca), str(source), "--out", str(signed)]
    assert main([*sign, "--password-file", str(pw)]) == 0
    capsys.readouterr()
    verify = ["charter", "verify", str(signed), "--root", str(ca / pki.ROOT_CERT_FILE)]
    assert main([*verify, "--json"]) == 0
    assert _json(capsys)["valid"] is True

    tampered = tmp_path / "tampered.toml"
    tampered.write_bytes(
        signed.read_bytes().replace(b"years_after_leaving = 1", b"years_after_leaving = 9")
    )
    assert main(["charter", "verify", str(tampered), "--root", str(ca / pki.ROOT_CERT_FILE)]) == 1
    assert "changed since it was signed" in capsys.readouterr().err
    assert main([*verify, "--today", "2031-01-01"]) == 1
    assert "expired" in capsys.readouterr().err
    other_root = EXAMPLES / "northshire" / "la-ca" / pki.ROOT_CERT_FILE
    assert main(["charter", "verify", str(signed), "--root", str(other_root)]) == 1
    assert "does not vouch" in capsys.readouterr().err


def test_la_errors_are_one_sentence_with_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pw = _secret(tmp_path, "la.txt", LA_PASS)
    ca = tmp_path / "ca"
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # noqa: SIM115 - not a terminal: never prompt
    assert main(["la", "init", "--out", str(ca), "--name", "X (fictional)"]) == 2
    assert "No LA root passphrase given" in capsys.readouterr().err
    short = _secret(tmp_path, "short.txt", "short")
    assert (
        main(
            [
                "la",
                "init",
                "--out",
                str(ca),
                "--name",
                "X (fictional)",
                "--password-file",
                str(short),
            ]
        )
        == 2
    )
    assert "at least 12" in capsys.readouterr().err
    assert (
        main(
            ["la", "init", "--out", str(ca), "--name", "X (fictional)", "--password-file", str(pw)]
        )
        == 0
    )
    assert (
        main(
            ["la", "init", "--out", str(ca), "--name", "X (fictional)", "--password-file", str(pw)]
        )
        == 2
    )
    capsys.readouterr()
    wrong = _secret(tmp_path, "wrong.txt", "not-the-right-passphrase")
    crl = str(tmp_path / "crl.pem")
    assert main(["la", "crl", "--ca", str(ca), "--out", crl, "--password-file", str(wrong)]) == 3
    err = capsys.readouterr().err
    assert err.strip() == "The passphrase for the LA root key is wrong."
    assert main(["la", "revoke", "--ca", str(ca), "ZZZ", "--password-file", str(pw)]) == 2
    assert main(["la", "revoke", "--ca", str(ca), "ABCDEF", "--password-file", str(pw)]) == 2
    assert "No certificate with serial ABCDEF" in capsys.readouterr().err
    assert (
        main(
            [
                "la",
                "crl",
                "--ca",
                str(tmp_path / "nowhere"),
                "--out",
                crl,
                "--password-file",
                str(pw),
            ]
        )
        == 2
    )
    assert "not an LA CA folder" in capsys.readouterr().err
    bad = _secret(tmp_path, "bad.toml", "format = 1\n")
    out = str(tmp_path / "signed.toml")
    assert (
        main(
            [
                "la",
                "sign-charter",
                "--ca",
                str(ca),
                str(bad),
                "--out",
                out,
                "--password-file",
                str(pw),
            ]
        )
        == 1
    )
    assert "missing" in capsys.readouterr().err
    assert not Path(out).exists()


def test_verify_with_today_option(tmp_path: Path) -> None:
    folder = EXAMPLES / "northshire"
    args = ["charter", "verify", str(folder / "charter.signed.toml")]
    args += ["--root", str(folder / "la-ca" / pki.ROOT_CERT_FILE)]
    assert main([*args, "--today", date(2027, 8, 31).isoformat()]) == 0
    assert main([*args, "--today", date(2027, 9, 1).isoformat()]) == 1
