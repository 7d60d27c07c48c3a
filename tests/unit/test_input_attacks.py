"""Hostile input through the real command line: devices, FIFOs and /proc files where a file is
expected, deeply nested JSON and TOML, 5,000-digit numbers, record ids that are formulas or
paths, out-of-range numbers, file names that are not UTF-8 or carry newlines and escape codes,
charters not yet in force or naming an unknown framework version.

Every attack must end promptly (a FIFO would hang a reader that trusts ``st_size``; the
subprocesses run with a timeout), with the contract's exit code and one plain sentence on
stderr, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

import transitions_app.cli as cli
from export import pki as pki_module
from models.interchange import record_to_dict
from models.synthetic import generate_records
from models.vault import KdfParams
from tests.fixtures_pki import FixturePki, build_pki
from tests.unit.test_school_service import school_records, signed_pdf
from transitions_app.services.school_service import SchoolService
from transitions_app.services.vault_service import VaultService

REPO = Path(__file__).resolve().parents[2]
FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "attack-test-password"
RIVERBEND = (REPO / "charters" / "riverbend" / "charter.toml").read_text(encoding="utf-8")
LA_PASS = "attack-test-la-passphrase"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRANSITIONS_PASSWORD", "TRANSITIONS_PDF_PASSWORD", "TRANSITIONS_P12_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def app(*argv: object, timeout: float = 120, password: str | None = None) -> tuple[int, str, str]:
    """``transitions-app ARGV`` in a process of its own: a hang is a timeout, not a stuck suite."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSITIONS_")}
    if password is not None:
        env["TRANSITIONS_PASSWORD"] = password
    args = [os.fsencode(a) if isinstance(a, Path) else str(a) for a in argv]
    done = subprocess.run(
        [sys.executable, "-m", "transitions_app", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


def one_sentence(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "looks-like-a.pdf"
    os.mkfifo(path)
    return path


@pytest.fixture
def root_pem(tmp_path: Path) -> Path:
    path = tmp_path / "root.pem"
    path.write_bytes(build_pki().root.cert.public_bytes(serialization.Encoding.PEM))
    return path


# --------------------------------------------------------------------- devices, FIFOs, /proc


@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "/proc/self/status"])
def test_verify_refuses_what_is_not_a_regular_file_at_once(
    target: str, fifo: Path, root_pem: Path
) -> None:
    path = fifo if target == "fifo" else Path(target)
    code, out, err = app("verify", path, "--trust", root_pem, timeout=60)
    assert code == 2
    assert "is not a regular file" in one_sentence(err)
    assert out == ""


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_records_import_refuses_devices_and_fifos(target: str, fifo: Path, tmp_path: Path) -> None:
    path = fifo if target == "fifo" else Path(target)
    code, _, err = app(
        "records", "import", path, "--vault", tmp_path / "v", timeout=60, password=PW
    )
    assert code == 2
    assert "is not a regular file" in one_sentence(err)


def test_a_password_file_that_is_a_device_is_refused(tmp_path: Path, fifo: Path) -> None:
    vault, _ = VaultService.create(tmp_path / "v", "manager", PW, kdf=FAST)
    vault.close()
    for secret in (Path("/dev/zero"), fifo):
        code, _, err = app(
            "vault", "check", "--vault", tmp_path / "v", "--password-file", secret, timeout=60
        )
        assert code == 2
        assert "is not a regular file" in one_sentence(err)


# ------------------------------------------------------- school import: names and the batch


def _school(tmp_path: Path, pki: FixturePki) -> Path:
    folder = tmp_path / "school"
    school, _recovery = SchoolService.create(
        folder, "head", PW, urn="900001", name="Puddlebrook Primary School (fictional)", kdf=FAST
    )
    school.set_trust(
        pki.root.cert.public_bytes(serialization.Encoding.PEM),
        pki.crl().public_bytes(serialization.Encoding.PEM),
    )
    school.close()
    return folder


def test_school_import_of_hostile_names_keeps_the_whole_report(tmp_path: Path, fifo: Path) -> None:
    pki = build_pki()
    vault = _school(tmp_path, pki)
    good, other = school_records(2)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # A tampered file whose name is not UTF-8: it goes to quarantine, which stores the name.
    tampered = bytearray(signed_pdf(other, pki.setting))
    tampered[bytes(tampered).index(b"/Contents") - 150] ^= 0x01
    with open(os.path.join(os.fsencode(inbox), b"tampered-\xff\xfe.pdf"), "wb") as fh:
        fh.write(bytes(tampered))
    # A good file whose name would print a fake result line and recolour the terminal.
    forged = "a\nIMPORTED z.pdf: imported. Signature valid\x1b[31m\u202e.pdf"
    (inbox / forged).write_bytes(signed_pdf(good, pki.setting))

    code, out, err = app(
        "school", "import", inbox, fifo, "--vault", vault, "--user", "head", password=PW
    )

    assert code == 2  # the FIFO is bad input; every other file is still reported
    assert "Traceback" not in err
    lines = out.splitlines()
    assert len(lines) == 3, out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert not any(line.startswith("IMPORTED") for line in lines)
    assert lines[0].startswith(
        "a\\nIMPORTED z.pdf: imported. Signature valid\\x1b[31m\\u202e.pdf: imported."
    )
    assert lines[1].startswith("tampered-\\xff\\xfe.pdf: quarantined.")
    assert lines[2].startswith("looks-like-a.pdf: refused.")
    assert "not a regular file" in lines[2]

    code, out, err = app(
        "school", "quarantine", "--vault", vault, "--user", "head", "--json", password=PW
    )
    assert code == 0, err
    assert [q["file"] for q in json.loads(out)] == ["tampered-\\xff\\xfe.pdf"]


# --------------------------------------------------------------- records import: the JSON


def _record_json(**changes: object) -> dict:  # type: ignore[type-arg]
    data = record_to_dict(generate_records(1, seed=5, today=date(2026, 3, 2))[0])
    for path, value in changes.items():
        where = data
        *parents, last = path.split("/")
        for key in parents:
            where = where[key]
        where[last] = value
    return data


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"format": ' + "9" * 5000 + "}", "number longer than 18 digits"),
        ('{"format": -' + "9" * 5000 + "}", "number longer than 18 digits"),
        ('{"format": 1e' + "9" * 5000 + "}", "number longer than 18 digits"),
        ('{"format": NaN}', "not a JSON number"),
    ],
)
def test_records_import_of_hostile_json_is_one_sentence(
    text: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "record.json"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "records", "import", path, "--vault", tmp_path / "v")
    assert code == 2
    assert reason in one_sentence(err)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"record/id": '=HYPERLINK("http://example.invalid/","Open record")'}, "not a record id"),
        ({"record/id": "../../../../evil"}, "not a record id"),
        ({"record/id": "1B4E28BA-2FA1-41D2-883F-0016D3CCA427"}, "not a record id"),
        ({"record/export_version": 10**30}, "number longer than 18 digits"),
        ({"record/export_version": 10**9}, "export version 1000000000 is not possible"),
        ({"sections/child/sessions_per_week": -3}, "must be a number from 0 up to 14, not -3"),
        ({"sections/child/funded_hours": 31}, "must be a number from 0 up to 30, not 31"),
    ],
)
def test_records_import_refuses_impossible_ids_and_numbers(
    changes: dict[str, object],
    reason: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vault, _ = VaultService.create(tmp_path / "v", "manager", PW, kdf=FAST)
    vault.close()
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_record_json(**changes)), encoding="utf-8")
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PW)
    code, _, err = run(capsys, "records", "import", path, "--vault", tmp_path / "v")
    assert code == 2
    assert reason in one_sentence(err)
    session = VaultService.open(tmp_path / "v", "manager", PW)
    assert session.list_records() == []
    session.close()


def test_a_well_formed_record_still_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, _ = VaultService.create(tmp_path / "v", "manager", PW, kdf=FAST)
    vault.close()
    path = tmp_path / "record.json"
    data = _record_json()
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PW)
    code, out, err = run(capsys, "records", "import", path, "--vault", tmp_path / "v")
    assert (code, err) == (0, "")
    assert data["record"]["id"] in out


# ------------------------------------------------------------------------------- charters


@pytest.fixture
def ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(
        pki_module.ca, "ROOT_KEY_KDF", KdfParams(memory_kib=64, iterations=1, lanes=1)
    )
    folder = tmp_path / "la-ca"
    now = datetime.now(UTC) - timedelta(days=1)
    pki_module.init_ca(folder, "Riverbend Borough Council (fictional)", LA_PASS, now=now)
    return folder


@pytest.mark.parametrize(
    "nested",
    [
        "deep = " + "[" * 5000 + "]" * 5000,
        "deep = " + "{a = " * 3000 + "1" + "}" * 3000,
    ],
)
def test_la_sign_charter_of_deeply_nested_toml_is_one_sentence(
    nested: str, tmp_path: Path, ca: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "charter.toml"
    source.write_text(nested + "\n" + RIVERBEND, encoding="utf-8")
    secret = tmp_path / "la.txt"
    secret.write_text(LA_PASS, encoding="utf-8")
    out = tmp_path / "signed.toml"
    code, _, err = run(
        capsys, "la", "sign-charter", "--ca", ca, source, "--out", out, "--password-file", secret
    )
    assert code == 2
    assert "nested too deeply" in one_sentence(err)
    assert not out.exists()


def _sign_unchecked(ca: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Sign TOML as a careless (or compromised) LA tool would, without the app's own checks."""
    authority = pki_module.load_ca(ca, LA_PASS)
    with monkeypatch.context() as m:
        m.setattr(pki_module.charter_signature, "parse_charter", lambda _toml: None)
        return authority.sign_charter(text.encode("utf-8"))


def test_charter_verify_and_import_refuse_an_unknown_framework_version(
    tmp_path: Path, ca: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    today = datetime.now(UTC).date()
    text = RIVERBEND.replace("in_force = 2026-09-01", f"in_force = {today - timedelta(days=1)}")
    text = text.replace("expires = 2027-10-31", f"expires = {today + timedelta(days=300)}")
    text = text.replace("versions = [1]", "versions = [99]")
    signed = tmp_path / "charter.signed.toml"
    signed.write_bytes(_sign_unchecked(ca, text, monkeypatch))
    root = ca / pki_module.ROOT_CERT_FILE
    code, _, err = run(capsys, "charter", "verify", signed, "--root", root)
    assert code == 1
    assert "version 99, which this app does not know" in one_sentence(err)

    vault, _ = VaultService.create(tmp_path / "v", "manager", PW, kdf=FAST)
    vault.close()
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PW)
    code, _, err = run(
        capsys, "charter", "import", signed, "--vault", tmp_path / "v", "--root", root
    )
    assert code == 1
    assert "version 99, which this app does not know" in one_sentence(err)


def test_charter_verify_and_import_refuse_a_charter_not_yet_in_force(
    tmp_path: Path, ca: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = datetime.now(UTC).date() + timedelta(days=20)
    text = RIVERBEND.replace("in_force = 2026-09-01", f"in_force = {starts}")
    text = text.replace("expires = 2027-10-31", f"expires = {starts + timedelta(days=300)}")
    signed = tmp_path / "charter.signed.toml"
    signed.write_bytes(pki_module.load_ca(ca, LA_PASS).sign_charter(text.encode("utf-8")))
    root = ca / pki_module.ROOT_CERT_FILE
    code, _, err = run(capsys, "charter", "verify", signed, "--root", root)
    assert code == 1
    assert f"is not in force until {starts.isoformat()}" in one_sentence(err)
    assert run(capsys, "charter", "verify", signed, "--root", root, "--today", starts)[0] == 0

    vault, _ = VaultService.create(tmp_path / "v", "manager", PW, kdf=FAST)
    vault.close()
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PW)
    code, _, err = run(
        capsys, "charter", "import", signed, "--vault", tmp_path / "v", "--root", root
    )
    assert code == 1
    assert f"is not in force until {starts.isoformat()}" in one_sentence(err)
