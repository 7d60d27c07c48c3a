"""A hostile-input sweep of the real command line, one subprocess per call.

Every case drives ``python -m transitions_app`` with something a careless or malicious person
could hand it (a wrong or unreadable password file, a damaged or read-only vault, files that are
devices, pipes, huge, deeply nested or not UTF-8, tampered PDFs, file names with control codes)
and checks the promises of README's "Command line" section for each call:

* it ends within :data:`TIMEOUT` seconds (a hang is a failure) with a documented exit code, and
  the one the case calls for;
* no traceback and no Python repr (``PosixPath(``, ``[Errno 2]``, ``ValueError``) on stderr or
  in a reason on stdout, and
  an error (exit 2 or 3) is a plain sentence;
* neither stdout nor stderr carries a raw control character or a byte that is not UTF-8 (a
  hostile file name is shown escaped);
* ``--json`` output, when there is any, is JSON;
* nothing was accepted that should not be: after a refused attack ``vault check`` still says the
  vault is sound; after real tampering it names damage.

One demo vault (cheap KDF, four children), one exported signed PDF and one school vault are made
per module; each case works on its own copies.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
NORTHSHIRE = ROOT / "charters" / "northshire"
LA_ROOT = NORTHSHIRE / "la-ca" / "root-cert.pem"
LA_CRL = NORTHSHIRE / "crl.pem"
PASSWORD = "demo-pw-fictional"
PDF_PASSWORD = "pdf-pass-fictional"
SCHOOL_PASSWORD = "puddlebrook-head-fictional"
TIMEOUT = 30
EXIT_CODES = {0, 1, 2, 3}
NOT_WRITTEN = "could not be written to the audit trail"

# Python's own words leaking out: a traceback, a repr, an exception class, errno's bracket.
_PYTHON_LEAK = re.compile(
    r"Traceback|File \"|PosixPath\(|WindowsPath\(|<[\w.]+ object at 0x|\[Errno -?\d+\]"
    r"|\b[A-Z]\w*(?:Error|Exception)\b|\bb'|\bb\"|\\udc[89a-f][0-9a-f]"
)
# C0 controls but tab and newline, DEL, C1 controls (after decoding) and bidi/zero-width marks.
_RAW_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


# ----------------------------------------------------------------------------------------- running


@dataclass
class Result:
    argv: list[str]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"$ {' '.join(self.argv)}\nexit {self.code}\n--- stdout\n{self.out[:2000]}\n--- stderr\n{self.err[:2000]}"


def _decoded(data: bytes, stream: str, argv: list[str]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pytest.fail(f"{stream} of {argv} is not UTF-8: {data[:300]!r}")


@dataclass
class Lab:
    """One case's folder, environment and copies of the module's material."""

    base: Path
    world: World
    env: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.base / name

    def vault(self) -> Path:
        target = self.base / "vault"
        if not target.exists():
            shutil.copytree(self.world.vault, target)
        return target

    def school(self) -> Path:
        target = self.base / "school"
        if not target.exists():
            shutil.copytree(self.world.school, target)
        return target

    def pdf(self) -> Path:
        target = self.base / "record.pdf"
        if not target.exists():
            shutil.copyfile(self.world.pdf, target)
        return target

    def file(self, name: str, data: bytes) -> Path:
        target = self.base / name
        target.write_bytes(data)
        return target

    def fifo(self, name: str = "pipe") -> Path:
        target = self.base / name
        os.mkfifo(target)
        return target

    def run(
        self,
        *args: object,
        expect: int | set[int],
        env: dict[str, str] | None = None,
    ) -> Result:
        """Run the CLI and apply every generic check; ``expect`` is the exit code of the case."""
        argv = [os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args]
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSITIONS_")}
        full_env.update(
            TRANSITIONS_STATE_DIR=str(self.base / "state"),
            TRANSITIONS_PASSWORD=PASSWORD,
            QT_QPA_PLATFORM="offscreen",
            PYTHONPATH=str(ROOT),
        )
        full_env.update(self.env)
        full_env.update(env or {})
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "transitions_app", *argv],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TIMEOUT,
                env=full_env,
                cwd=self.base,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"transitions-app {' '.join(argv)} hung for more than {TIMEOUT} s")
        result = Result(
            argv,
            proc.returncode,
            _decoded(proc.stdout, "stdout", argv),
            _decoded(proc.stderr, "stderr", argv),
        )
        if os.environ.get("ATTACK_SWEEP_LOG"):  # every call and its answer, for reading
            with open(
                os.environ["ATTACK_SWEEP_LOG"], "a", encoding="utf-8", errors="backslashreplace"
            ) as log:
                log.write(f"{result}\n\n")
        check_generic(result)
        wanted = {expect} if isinstance(expect, int) else expect
        assert result.code in wanted, f"expected exit {sorted(wanted)}\n{result}"
        return result

    # The usual vault options.
    def on_vault(self, vault: Path | None = None, user: str = "manager") -> list[object]:
        return ["--vault", vault or self.vault(), "--user", user]

    def on_school(self) -> list[object]:
        return ["--vault", self.school(), "--user", "head", "--password-file", self.world.school_pw]

    def assert_sound(self, vault: Path, *opts: object) -> None:
        result = self.run("vault", "check", "--vault", vault, *opts, expect=0)
        assert "sound" in result.out, result

    def assert_damaged(self, vault: Path) -> Result:
        result = self.run("vault", "check", "--vault", vault, "--user", "manager", expect=1)
        return result


def _reported_per_file(result: Result) -> bool:
    """``school import`` reports every file, the unreadable ones too, on stdout (README)."""
    return (
        result.argv[:2] == ["school", "import"]
        and not result.err.strip()
        and bool(result.out.strip())
    )


def check_generic(result: Result) -> None:
    assert result.code in EXIT_CODES, f"undocumented exit code\n{result}"
    for stream, text in (("stdout", result.out), ("stderr", result.err)):
        found = _PYTHON_LEAK.search(text)
        assert found is None, f"Python leaked onto {stream}: {found.group()!r}\n{result}"
    for stream, text in (("stdout", result.out), ("stderr", result.err)):
        found = _RAW_CONTROL.search(text)
        assert found is None, f"raw control character {found.group()!r} on {stream}\n{result}"
    if result.code in (2, 3) and not _reported_per_file(result):
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert lines, f"an error with nothing on stderr\n{result}"
        assert len(lines) <= 3, f"an error of more than a sentence or two\n{result}"
        assert lines[-1].rstrip().endswith((".", ")")), f"not a sentence\n{result}"
    if "--json" in result.argv and result.out.strip():
        try:
            json.loads(result.out)
        except ValueError:
            pytest.fail(f"--json printed something that is not JSON\n{result}")


# ----------------------------------------------------------------------------------- the material


@dataclass
class World:
    vault: Path
    school: Path
    pdf: Path
    record_id: str  # signed off and exported
    draft_id: str
    pw_file: Path
    pdf_pw: Path
    school_pw: Path
    school_urn: str


def _setup_run(base: Path, *args: object) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSITIONS_")}
    env.update(
        TRANSITIONS_STATE_DIR=str(base / "state"),
        TRANSITIONS_PASSWORD=PASSWORD,
        QT_QPA_PLATFORM="offscreen",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "transitions_app", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from models.vault import KdfParams
    from transitions_app.services.demo import create_demo_vault
    from transitions_app.services.vault_service import VaultService

    base = tmp_path_factory.mktemp("attack-world")
    pw_file = base / "password.txt"
    pw_file.write_text(PASSWORD)
    pdf_pw = base / "pdf-password.txt"
    pdf_pw.write_text(PDF_PASSWORD)
    school_pw = base / "school-password.txt"
    school_pw.write_text(SCHOOL_PASSWORD)
    vault = base / "vault"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRANSITIONS_STATE_DIR", str(base / "state"))
        create_demo_vault(
            vault,
            password=PASSWORD,
            children=4,
            seed=1,
            kdf=KdfParams(memory_kib=64, iterations=1, lanes=1),
        )
        service = VaultService.open(vault, "manager", PASSWORD)
        try:
            records = service.list_records()
            signed = [r.id for r in records if r.status.value == "signed_off"]
            drafts = [r.id for r in records if r.status.value == "draft"]
            school_urn = str(service.load(signed[0]).get("child.school_urn"))
        finally:
            service.close()
    assert signed
    assert drafts
    out = base / "outbox"
    _setup_run(
        base,
        "export",
        "--vault",
        vault,
        "--user",
        "manager",
        "--record",
        signed[0],
        "--out",
        out,
        "--packet",
        "teacher",
        "--encrypt-password-file",
        pdf_pw,
    )
    pdf = next(out.glob("*.pdf"))
    school = base / "school"
    _setup_run(
        base,
        "school",
        "init",
        "--vault",
        school,
        "--urn",
        school_urn,
        "--user",
        "head",
        "--name",
        "Puddlebrook Primary School (fictional)",
        "--password-file",
        school_pw,
    )
    _setup_run(
        base,
        "charter",
        "import",
        NORTHSHIRE / "charter.signed.toml",
        "--vault",
        school,
        "--user",
        "head",
        "--password-file",
        school_pw,
        "--root",
        LA_ROOT,
        "--crl",
        LA_CRL,
    )
    return World(vault, school, pdf, signed[0], drafts[0], pw_file, pdf_pw, school_pw, school_urn)


@pytest.fixture
def lab(world: World, tmp_path: Path) -> Lab:
    return Lab(tmp_path, world)


# ---------------------------------------------------------------------------------------- the cases

CASES: dict[str, Callable[[Lab], None]] = {}


def case(name: str) -> Callable[[Callable[[Lab], None]], Callable[[Lab], None]]:
    def register(func: Callable[[Lab], None]) -> Callable[[Lab], None]:
        assert name not in CASES
        CASES[name] = func
        return func

    return register


def cases(prefix: str, names: Sequence[str], func: Callable[[Lab, str], None]) -> None:
    for name in names:
        CASES[f"{prefix}-{name}"] = lambda lab, name=name: func(lab, name)


# --- passwords and users


def _password_file(lab: Lab, kind: str) -> Path:
    if kind == "non-utf8":
        return lab.file("pw.txt", b"\xff\xfe caf\xe9 \x80\n")
    if kind == "fifo":
        return lab.fifo("pw.fifo")
    if kind == "dev-zero":
        return Path("/dev/zero")
    if kind == "directory":
        target = lab.path("pw-folder")
        target.mkdir()
        return target
    if kind == "missing":
        return lab.path("no-such-password.txt")
    if kind == "empty":
        return lab.file("pw.txt", b"")
    raise AssertionError(kind)


def _bad_password_file(lab: Lab, kind: str) -> None:
    lab.run(
        "records", "list", *lab.on_vault(), "--password-file", _password_file(lab, kind), expect=2
    )
    lab.assert_sound(lab.vault(), "--user", "manager")


cases(
    "password-file",
    ["non-utf8", "fifo", "dev-zero", "directory", "missing", "empty"],
    _bad_password_file,
)


@case("password-wrong")
def _(lab: Lab) -> None:
    result = lab.run(
        "records", "list", *lab.on_vault(), env={"TRANSITIONS_PASSWORD": "not-it"}, expect=3
    )
    assert PASSWORD not in result.err
    assert "not-it" not in result.err


@case("password-env-non-utf8")
def _(lab: Lab) -> None:
    lab.run(
        "records",
        "list",
        *lab.on_vault(),
        env={"TRANSITIONS_PASSWORD": os.fsdecode(b"caf\xe9-\xff")},
        expect=2,
    )


@case("password-empty")
def _(lab: Lab) -> None:
    # An empty variable and no file: no password given (and no prompt, stdin is not a terminal).
    lab.run("records", "list", *lab.on_vault(), env={"TRANSITIONS_PASSWORD": ""}, expect=2)


@case("password-wrong-json")
def _(lab: Lab) -> None:
    lab.run(
        "vault", "check", *lab.on_vault(), "--json", env={"TRANSITIONS_PASSWORD": "nope"}, expect=3
    )


@case("user-unknown")
def _(lab: Lab) -> None:
    lab.run("records", "list", *lab.on_vault(user="nobody-fictional"), expect=3)


@case("user-hostile-name")
def _(lab: Lab) -> None:
    lab.run("records", "list", *lab.on_vault(user="evil\n\x1b[31mroot"), expect=3)


# --- hostile names in arguments: every sentence that names them shows them escaped

HOSTILE = "evil\n\x1b[31mred\u202e"


def _hostile_name(lab: Lab, command: str) -> None:
    missing = lab.path(HOSTILE)
    argv: list[object] = {
        "vault": ["records", "list", *lab.on_vault(missing)],
        "password-file": ["records", "list", *lab.on_vault(), "--password-file", missing],
        "records-import": ["records", "import", missing, *lab.on_vault()],
        "records-show": ["records", "show", HOSTILE, *lab.on_vault()],
        "verify": ["verify", missing, "--trust", LA_ROOT],
        "verify-trust": ["verify", lab.pdf(), "--trust", missing],
        "charter-verify": ["charter", "verify", missing, "--root", LA_ROOT],
        "school-import": ["school", "import", missing, *lab.on_school()],
        "export-record": ["export", *lab.on_vault(), "--record", HOSTILE, "--out", lab.path("out")],
    }[command]
    result = lab.run(*argv, expect={1, 2})
    assert "\\x1b" in result.out + result.err or "evil" not in result.out + result.err, result


cases(
    "hostile-name",
    [
        "vault",
        "password-file",
        "records-import",
        "records-show",
        "verify",
        "verify-trust",
        "charter-verify",
        "school-import",
        "export-record",
    ],
    _hostile_name,
)


def _backup_to(lab: Lab, out: bytes | str, expect: int) -> Result:
    return lab.run("vault", "backup", *lab.on_vault(), "--out", out, expect=expect)


@case("hostile-name-backup-out-ansi")
def _(lab: Lab) -> None:
    result = _backup_to(lab, str(lab.path(HOSTILE + ".bak")), 0)
    assert "\\x1b" in result.out, result


@case("hostile-name-backup-out-non-utf8")
def _(lab: Lab) -> None:
    result = _backup_to(lab, os.fsencode(lab.base) + b"/backup-\xff.bak", 0)
    assert "\\xff" in result.out, result


@case("hostile-name-backup-out-no-folder")
def _(lab: Lab) -> None:
    result = _backup_to(lab, os.fsencode(lab.base) + b"/no-\xff-folder/\x1b[2J.bak", 2)
    assert "\\xff" in result.err, result
    assert "\\x1b" in result.err, result


# --- the vault folder and its database


@case("vault-missing")
def _(lab: Lab) -> None:
    lab.run("records", "list", *lab.on_vault(lab.path("no-vault-here")), expect=2)
    assert not lab.path("no-vault-here").exists()


@case("vault-is-a-file")
def _(lab: Lab) -> None:
    lab.run("vault", "check", *lab.on_vault(lab.file("vault-file", b"not a folder\n")), expect=2)


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[Path]:
    """``folder`` made read-only: chmod, or for root (whom chmod does not stop) a read-only bind
    mount of it."""
    if os.geteuid() != 0:
        for path in (*folder.iterdir(), folder):
            path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield folder
        finally:
            for path in (folder, *folder.iterdir()):
                path.chmod(0o700 if path.is_dir() else 0o600)
        return
    target = folder.with_name(folder.name + "-ro")
    target.mkdir()
    try:
        subprocess.run(
            ["mount", "--bind", str(folder), str(target)], check=True, capture_output=True
        )
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(target)], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError):
        subprocess.run(["umount", str(target)], capture_output=True)
        pytest.skip("running as root, and this machine does not allow a read-only bind mount")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def _digest(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _read_only_vault(lab: Lab, command: str) -> None:
    folder = lab.vault()
    before = _digest(folder)
    argv = {
        "vault-check": ["vault", "check"],
        "records-list": ["records", "list"],
        "records-show": ["records", "show", lab.world.record_id],
    }[command]
    with _read_only(folder) as ro:
        result = lab.run(*argv, *lab.on_vault(ro), expect=0)
        assert NOT_WRITTEN in result.err, result
    assert _digest(folder) == before


cases("read-only-vault", ["vault-check", "records-list", "records-show"], _read_only_vault)


def _db(lab: Lab) -> Path:
    return lab.vault() / "vault.db"


@case("db-truncated")
def _(lab: Lab) -> None:
    db = _db(lab)
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    lab.assert_damaged(db.parent)
    lab.run("records", "list", *lab.on_vault(db.parent), expect={1, 2})


@case("db-random-bytes")
def _(lab: Lab) -> None:
    db = _db(lab)
    db.write_bytes(os.urandom(db.stat().st_size))
    lab.assert_damaged(db.parent)
    lab.run("records", "show", lab.world.record_id, *lab.on_vault(db.parent), expect={1, 2})


@case("db-empty")
def _(lab: Lab) -> None:
    db = _db(lab)
    db.write_bytes(b"")
    lab.run("vault", "check", *lab.on_vault(db.parent), expect={1, 2})


def _stored(db: Path) -> tuple[bool, list[str] | str]:
    """SQLite's own verdict on ``db`` (its quick_check passes) and its logical content."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
            return ok, list(conn.iterdump())
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return False, str(exc)


def _root_pages(db: Path) -> dict[str, int]:
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        return {str(n): int(p) for n, p in conn.execute("SELECT name, rootpage FROM sqlite_master")}
    finally:
        conn.close()


def _first_blob(db: Path, sql: str) -> bytes:
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        return bytes(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


_BLOB_SQL = {
    "record-ciphertext": "SELECT ciphertext FROM records ORDER BY id",
    "record-nonce": "SELECT nonce FROM records ORDER BY id",
    "audit-mac": "SELECT mac FROM audit ORDER BY seq DESC",
}


def _flip_offset(db: Path, data: bytes, where: str) -> int:
    size = len(data)
    fixed = {
        "header": 0,
        "page-size": 16,
        "schema-cookie": 40,
        "page-2": 4096 + 200,
        "third": size // 3,
        "half": size // 2,
        "two-thirds": 2 * size // 3,
        "last": size - 2,
    }
    if where in fixed:
        return fixed[where]
    if where.startswith("root-"):  # the page-type byte of a table's root page
        page = _root_pages(db)[where.removeprefix("root-")]
        return (page - 1) * 4096 + (100 if page == 1 else 0)
    blob = _first_blob(db, _BLOB_SQL[where])
    probe = blob[:16]
    offset = data.find(probe)
    assert offset >= 0, where
    assert data.find(probe, offset + 1) < 0, where
    return offset + min(8, len(probe) - 1)


FLIPS = [
    "header",
    "page-size",
    "schema-cookie",
    "page-2",
    "third",
    "half",
    "two-thirds",
    "last",
    "root-meta",
    "root-users",
    "root-key_slots",
    "root-records",
    "root-audit",
    "root-tombstones",
    "root-seen_heads",
    "root-blobs",
    "record-ciphertext",
    "record-nonce",
    "audit-mac",
]


def _flip(lab: Lab, where: str) -> None:
    """One byte of the database flipped. Where it changed what is stored (or SQLite finds its
    pages damaged), ``vault check`` names damage; where it landed in unused space, nothing stored
    changed and the vault is still sound. Either way nothing reads it without a clean answer."""
    db = _db(lab)
    data = bytearray(db.read_bytes())
    before = _stored(db)
    offset = _flip_offset(db, bytes(data), where)
    data[offset] ^= 0xFF
    db.write_bytes(bytes(data))
    after = _stored(db)
    changed = not after[0] or after != before
    if changed:
        result = lab.assert_damaged(db.parent)
        assert "sound" not in result.out
    else:
        lab.assert_sound(db.parent, "--user", "manager")
    lab.run("records", "list", *lab.on_vault(db.parent), expect={0, 1, 2})
    lab.run(
        "records", "show", lab.world.record_id, *lab.on_vault(db.parent), "--json", expect={0, 1, 2}
    )


cases("db-flip", FLIPS, _flip)


def _crashed_vault(lab: Lab) -> Path:
    """The vault as a writer left it when the machine stopped: a new record only in the WAL
    file. Kept at the same folder, so this PC's note of the newest audit entry applies."""
    from transitions_app.services.vault_service import VaultService

    source = lab.vault()
    crashed = lab.path("crashed")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRANSITIONS_STATE_DIR", str(lab.base / "state"))
        service = VaultService.open(source, "manager", PASSWORD)
        try:
            service.new_record()
            assert (source / "vault.db-wal").stat().st_size > 0
            shutil.copytree(source, crashed)
        finally:
            service.close()
    shutil.rmtree(source)
    crashed.rename(source)
    return source


@case("wal-deleted")
def _(lab: Lab) -> None:
    crashed = _crashed_vault(lab)
    (crashed / "vault.db-wal").unlink()
    with contextlib.suppress(FileNotFoundError):
        (crashed / "vault.db-shm").unlink()
    # The last write is gone: this PC saw a newer audit entry, so the vault must not pass as sound.
    lab.assert_damaged(crashed)


@case("wal-renamed")
def _(lab: Lab) -> None:
    crashed = _crashed_vault(lab)
    (crashed / "vault.db-wal").rename(crashed / "vault.db-wal.old")
    lab.assert_damaged(crashed)


@case("wal-kept")
def _(lab: Lab) -> None:
    crashed = _crashed_vault(lab)
    lab.assert_sound(crashed, "--user", "manager")


# --- records import


def _import_refused(lab: Lab, path: Path, *, json_out: bool = False) -> Result:
    result = lab.run(
        "records", "import", path, *lab.on_vault(), *(["--json"] if json_out else []), expect=2
    )
    lab.assert_sound(lab.vault(), "--user", "manager")
    listed = lab.run("records", "list", *lab.on_vault(), "--json", expect=0)
    assert len(json.loads(listed.out)["records"]) == 4, listed
    return result


def _record_json(lab: Lab) -> dict:  # type: ignore[type-arg]
    shown = lab.run("records", "show", lab.world.record_id, *lab.on_vault(), "--json", expect=0)
    return json.loads(shown.out)  # type: ignore[no-any-return]


@case("import-dev-zero")
def _(lab: Lab) -> None:
    _import_refused(lab, Path("/dev/zero"))


@case("import-fifo")
def _(lab: Lab) -> None:
    _import_refused(lab, lab.fifo("record.json"))


@case("import-50mb")
def _(lab: Lab) -> None:
    big = lab.path("big.json")
    with big.open("wb") as fh:
        fh.write(b'{"pad": "')
        fh.write(b"a" * (50 * 1024 * 1024))
        fh.write(b'"}')
    _import_refused(lab, big)


@case("import-deep-nesting")
def _(lab: Lab) -> None:
    _import_refused(lab, lab.file("deep.json", b"[" * 100_000 + b"]" * 100_000))


@case("import-deep-nesting-json")
def _(lab: Lab) -> None:
    _import_refused(
        lab, lab.file("deep.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000), json_out=True
    )


@case("import-5000-digit-number")
def _(lab: Lab) -> None:
    _import_refused(lab, lab.file("num.json", b'{"format": ' + b"9" * 5000 + b"}"))


@case("import-invalid-utf8")
def _(lab: Lab) -> None:
    _import_refused(lab, lab.file("bad.json", b'{"format": "\xff\xfe\xc3\x28"}'))


@case("import-json-array")
def _(lab: Lab) -> None:
    _import_refused(lab, lab.file("array.json", b"[1, 2, 3]"))


@case("import-json-scalar")
def _(lab: Lab) -> None:
    _import_refused(lab, lab.file("null.json", b"null"))


def _hostile_id(lab: Lab, record_id: str) -> None:
    data = _record_json(lab)
    data["record"]["id"] = record_id
    path = lab.file("hostile-id.json", json.dumps(data).encode())
    _import_refused(lab, path)
    assert not (lab.base.parent / "evil").exists()
    assert not any("evil" in p.name for p in lab.vault().iterdir())


cases(
    "import-id",
    ["../../evil", '=HYPERLINK("http://evil.example/","click")', "\x1b[31mred\n"],
    _hostile_id,
)


@case("import-wrong-types")
def _(lab: Lab) -> None:
    data = _record_json(lab)
    data["sections"] = [["not", "a", "section"]]
    data["record"]["signoffs"] = "all of them"
    _import_refused(lab, lab.file("types.json", json.dumps(data).encode()))


@case("import-exported-then-edited")
def _(lab: Lab) -> None:
    """The JSON of a signed-off record, edited: it may come in, but never still signed off."""
    data = _record_json(lab)
    assert data["record"]["signoffs"], data["record"]
    data["sections"]["child"]["legal_forenames"] = "Mallory"
    data["record"]["status"] = "signed_off"
    lab.run(
        "records",
        "import",
        lab.file("edited.json", json.dumps(data).encode()),
        *lab.on_vault(),
        expect={0, 2},
    )
    after = _record_json(lab)
    if after["sections"]["child"]["legal_forenames"] == "Mallory":
        assert after["record"]["status"] not in ("signed_off", "exported"), after["record"]
        assert not any(s.get("valid") for s in after["record"]["signoffs"]), after["record"]
    lab.assert_sound(lab.vault(), "--user", "manager")


# --- verify


def _verify(lab: Lab, path: Path, expect: int | set[int], *extra: str) -> Result:
    return lab.run(
        "verify",
        path,
        "--trust",
        LA_ROOT,
        "--crl",
        LA_CRL,
        "--password-file",
        lab.world.pdf_pw,
        *extra,
        expect=expect,
    )


@case("verify-good")
def _(lab: Lab) -> None:
    result = _verify(lab, lab.pdf(), 0)
    assert result.out.startswith("VALID"), result


@case("verify-dev-zero")
def _(lab: Lab) -> None:
    _verify(lab, Path("/dev/zero"), 2)


@case("verify-dev-zero-json")
def _(lab: Lab) -> None:
    _verify(lab, Path("/dev/zero"), 2, "--json")


@case("verify-fifo")
def _(lab: Lab) -> None:
    _verify(lab, lab.fifo("record.pdf"), 2)


@case("verify-empty")
def _(lab: Lab) -> None:
    _verify(lab, lab.file("empty.pdf", b""), {1, 2})


@case("verify-not-a-pdf")
def _(lab: Lab) -> None:
    result = _verify(lab, lab.file("not.pdf", b"GIF89a this is not a PDF at all\n" * 20), 1)
    assert "VALID " not in result.out.replace("INVALID", "")


@case("verify-not-a-pdf-json")
def _(lab: Lab) -> None:
    result = _verify(lab, lab.file("not.pdf", b"%PDF-1.7\n% not really\n"), 1, "--json")
    assert all(not entry["valid"] for entry in json.loads(result.out))


def _tampered(lab: Lab, data: bytes, name: str = "tampered.pdf") -> None:
    result = _verify(lab, lab.file(name, data), 1)
    assert result.out.startswith("INVALID"), result
    result = _verify(lab, lab.path(name), 1, "--json")
    assert [entry["valid"] for entry in json.loads(result.out)] == [False]


@case("verify-truncated")
def _(lab: Lab) -> None:
    data = lab.pdf().read_bytes()
    _tampered(lab, data[: len(data) * 3 // 4])


@case("verify-truncated-tail")
def _(lab: Lab) -> None:
    data = lab.pdf().read_bytes()
    _tampered(lab, data[:-40])


def _signed_range(data: bytes) -> tuple[int, int, int, int]:
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert found is not None
    a, b, c, d = (int(x) for x in found.groups())
    return a, b, c, d


@case("verify-flipped-in-signed-range")
def _(lab: Lab) -> None:
    data = bytearray(lab.pdf().read_bytes())
    a, b, c, d = _signed_range(bytes(data))
    for offset in (a + b // 2, c + d // 2):
        flipped = bytearray(data)
        flipped[offset] ^= 0x01
        _tampered(lab, bytes(flipped), f"flipped-{offset}.pdf")


@case("verify-appended-incremental-update")
def _(lab: Lab) -> None:
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    data = lab.pdf().read_bytes()
    writer = IncrementalPdfFileWriter(BytesIO(data))
    writer.encrypt(PDF_PASSWORD)
    writer.root["/Mallory"] = generic.TextStringObject("an added object after signing")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(data)
    assert len(updated) > len(data)
    _tampered(lab, updated)


@case("verify-appended-junk")
def _(lab: Lab) -> None:
    data = lab.pdf().read_bytes()
    _tampered(lab, data + b"\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")


@case("verify-wrong-pdf-password")
def _(lab: Lab) -> None:
    lab.run(
        "verify",
        lab.pdf(),
        "--trust",
        LA_ROOT,
        "--password-file",
        lab.file("wrong.txt", b"not-the-password"),
        expect={1, 3},
    )


@case("import-tampered-pdf")
def _(lab: Lab) -> None:
    """Another setting's PDF with one byte of its signed part changed: no draft is started."""
    data = bytearray(lab.pdf().read_bytes())
    a, b, _c, _d = _signed_range(bytes(data))
    data[a + b // 2] ^= 0x01
    path = lab.file("tampered.pdf", bytes(data))
    lab.run(
        "records",
        "import",
        path,
        *lab.on_vault(),
        "--pdf-password-file",
        lab.world.pdf_pw,
        expect={1, 2},
    )
    listed = lab.run("records", "list", *lab.on_vault(), "--json", expect=0)
    assert len(json.loads(listed.out)["records"]) == 4, listed
    lab.assert_sound(lab.vault(), "--user", "manager")


@case("school-import-tampered-pdf")
def _(lab: Lab) -> None:
    data = bytearray(lab.pdf().read_bytes())
    a, b, _c, _d = _signed_range(bytes(data))
    data[a + b // 2] ^= 0x01
    inbox = _school_folder(lab, lambda d: (d / "tampered.pdf").write_bytes(bytes(data)))
    _school_import(lab, inbox, 1)
    overview = lab.run("school", "overview", *lab.on_school(), "--json", expect=0)
    assert json.loads(overview.out)["counts"]["total"] == 0, overview
    lab.assert_sound(lab.school(), "--user", "head", "--password-file", lab.world.school_pw)


# --- school import


def _school_folder(lab: Lab, make: Callable[[Path], None]) -> Path:
    inbox = lab.path("inbox")
    inbox.mkdir()
    make(inbox)
    return inbox


def _school_import(lab: Lab, inbox: Path, expect: int | set[int], *extra: str) -> Result:
    result = lab.run(
        "school",
        "import",
        inbox,
        *lab.on_school(),
        "--pdf-password-file",
        lab.world.pdf_pw,
        *extra,
        expect=expect,
    )
    return result


def _escaped(text: str) -> list[str]:
    return ["\\n", "\\x1b"] if "\n" in text else ["\\xff"]


@case("school-import-newline-ansi-name")
def _(lab: Lab) -> None:
    name = "evil\n\x1b[31mred.pdf"
    inbox = _school_folder(lab, lambda d: shutil.copyfile(lab.pdf(), d / name))
    result = _school_import(lab, inbox, 0)
    assert "\\n" in result.out, result
    assert "\\x1b" in result.out, result
    shown = lab.run("school", "quarantine", *lab.on_school(), "--json", expect=0)
    assert "\x1b" not in shown.out
    lab.assert_sound(lab.school(), "--user", "head", "--password-file", lab.world.school_pw)


@case("school-import-newline-ansi-name-junk")
def _(lab: Lab) -> None:
    name = "evil\n\x1b[31mred.pdf"
    inbox = _school_folder(lab, lambda d: (d / name).write_bytes(b"%PDF-1.7\nnot really\n"))
    result = _school_import(lab, inbox, 1)
    assert "\\x1b" in result.out + result.err, result
    lab.run("school", "quarantine", *lab.on_school(), expect=0)
    lab.run("school", "quarantine", *lab.on_school(), "--json", expect=0)
    lab.run("school", "overview", *lab.on_school(), expect=0)


@case("school-import-non-utf8-name")
def _(lab: Lab) -> None:
    inbox = lab.path("inbox")
    inbox.mkdir()
    raw = os.fsencode(inbox) + b"/caf\xe9-\xff.pdf"
    with open(raw, "wb") as fh:
        fh.write(lab.pdf().read_bytes())
    result = _school_import(lab, inbox, 0)
    assert "\\xe9" in result.out or "\\xff" in result.out, result


@case("school-import-non-utf8-name-junk-json")
def _(lab: Lab) -> None:
    inbox = lab.path("inbox")
    inbox.mkdir()
    with open(os.fsencode(inbox) + b"/bad-\xff.pdf", "wb") as fh:
        fh.write(b"junk, not a PDF")
    _school_import(lab, inbox, 1, "--json")
    lab.run("school", "quarantine", *lab.on_school(), "--json", expect=0)
    lab.run("school", "quarantine", *lab.on_school(), expect=0)


@case("school-import-symlink-loop")
def _(lab: Lab) -> None:
    def make(d: Path) -> None:
        (d / "loop.pdf").symlink_to(d / "loop.pdf")
        (d / "a.pdf").symlink_to(d / "b.pdf")
        (d / "b.pdf").symlink_to(d / "a.pdf")

    _school_import(lab, _school_folder(lab, make), 2)
    lab.assert_sound(lab.school(), "--user", "head", "--password-file", lab.world.school_pw)


@case("school-import-folder-symlink-loop")
def _(lab: Lab) -> None:
    def make(d: Path) -> None:
        (d / "sub").mkdir()
        (d / "sub" / "up").symlink_to(d)
        shutil.copyfile(lab.pdf(), d / "record.pdf")

    _school_import(lab, _school_folder(lab, make), {0, 2})


@case("school-import-fifo")
def _(lab: Lab) -> None:
    _school_import(lab, _school_folder(lab, lambda d: os.mkfifo(d / "pipe.pdf")), 2)


@case("school-import-fifo-json")
def _(lab: Lab) -> None:
    _school_import(lab, _school_folder(lab, lambda d: os.mkfifo(d / "pipe.pdf")), 2, "--json")


@case("school-import-fifo-argument")
def _(lab: Lab) -> None:
    lab.run("school", "import", lab.fifo("direct.pdf"), *lab.on_school(), expect=2)


# --- charters


def _charter_text(lab: Lab, kind: str) -> bytes:
    if kind == "deep-arrays":
        return b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"
    if kind == "deep-inline-tables":
        return b"a = " + b"{b = " * 50_000 + b"1" + b"}" * 50_000 + b"\n"
    if kind == "deep-dotted-tables":
        return b"[" + b".".join(b"t%d" % i for i in range(20_000)) + b"]\nx = 1\n"
    if kind == "huge-string":
        return b'name = "' + b"x" * (9 * 1024 * 1024) + b'"\n'
    if kind == "too-large":
        return b'name = "' + b"x" * (11 * 1024 * 1024) + b'"\n'
    if kind == "long-number":
        return b"n = " + b"9" * 5000 + b"\n"
    if kind == "invalid-utf8":
        return b'name = "\xff\xfe"\n'
    raise AssertionError(kind)


CHARTER_KINDS = [
    "deep-arrays",
    "deep-inline-tables",
    "deep-dotted-tables",
    "huge-string",
    "too-large",
    "long-number",
    "invalid-utf8",
]


def _charter_verify(lab: Lab, kind: str) -> None:
    result = lab.run(
        "charter",
        "verify",
        lab.file("charter.toml", _charter_text(lab, kind)),
        "--root",
        LA_ROOT,
        expect={1, 2},
    )
    assert "valid" not in result.out.lower() or "not" in result.out.lower() + result.err.lower()


def _charter_import(lab: Lab, kind: str) -> None:
    vault = lab.vault()
    lab.run(
        "charter",
        "import",
        lab.file("charter.toml", _charter_text(lab, kind)),
        *lab.on_vault(vault),
        expect={1, 2},
    )
    lab.assert_sound(vault, "--user", "manager")


cases("charter-verify", CHARTER_KINDS, _charter_verify)
cases("charter-import", ["deep-arrays", "huge-string", "long-number"], _charter_import)


@case("charter-verify-dev-zero")
def _(lab: Lab) -> None:
    lab.run("charter", "verify", "/dev/zero", "--root", LA_ROOT, expect=2)


@case("charter-verify-root-fifo")
def _(lab: Lab) -> None:
    lab.run(
        "charter",
        "verify",
        NORTHSHIRE / "charter.signed.toml",
        "--root",
        lab.fifo("root.pem"),
        expect=2,
    )


@case("charter-verify-tampered")
def _(lab: Lab) -> None:
    text = (NORTHSHIRE / "charter.signed.toml").read_bytes()
    tampered = text.replace(b"fictional", b"fictionaL", 1)
    assert tampered != text
    lab.run(
        "charter",
        "verify",
        lab.file("charter.toml", tampered),
        "--root",
        LA_ROOT,
        "--json",
        expect=1,
    )


@case("charter-verify-good")
def _(lab: Lab) -> None:
    lab.run("charter", "verify", NORTHSHIRE / "charter.signed.toml", "--root", LA_ROOT, expect=0)


# ------------------------------------------------------------------------------------------ the test


@pytest.mark.parametrize("name", sorted(CASES))
def test_attack(name: str, lab: Lab) -> None:
    CASES[name](lab)


def test_the_sweep_covers_enough() -> None:
    assert len(CASES) >= 60
