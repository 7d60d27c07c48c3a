"""Build the Transitions desktop bundle, smoke-test it, and package it.

    python installer/build.py              # one-folder build, smoke test, Linux tarball
    python installer/build.py --nsis       # ... and compile the Windows installer script
    python installer/build.py --nsis-only  # compile installer/windows/transitions.nsi only
    python installer/build.py --windows    # on Linux: the real Windows bundle and installer,
                                           # built, installed and smoke-tested under Wine
                                           # (installer/windows_build.py; --help there)

Run it with the Python of the environment the app is installed in (``pip install -e .`` or
``pip install .``): PyInstaller freezes that environment. PyInstaller is installed into it if
missing. The version comes from one place, ``[project].version`` in pyproject.toml; the build
stops if the installed metadata disagrees (reinstall the app to refresh it).

Outputs, in ``dist/`` (or ``--dist``):
  transitions/                                  the one-folder app (transitions-app[.exe])
  transitions-VERSION-linux-x86_64.tar.gz       Linux only: the folder, a .desktop file, icons
  Transitions-VERSION-windows-x64-setup.exe     Windows, with --nsis: the real installer
  transitions-VERSION-nsis-validation-linux-files-NOT-AN-INSTALLER.exe
                                                Linux, with --nsis: proves the NSIS script
                                                compiles; it wraps Linux files, do not ship it
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "transitions.spec"
NSI = HERE / "windows" / "transitions.nsi"
DESKTOP = HERE / "linux" / "transitions.desktop"
INSTALL_SH = HERE / "linux" / "install.sh"
ICONS = (HERE / "assets" / "transitions.svg", HERE / "assets" / "transitions.png")
APP_NAME = "transitions"  # the one-folder directory name (COLLECT name in the spec)
WINDOWS = sys.platform == "win32"
EXE_SUFFIX = ".exe" if WINDOWS else ""
PYINSTALLER_REQUIREMENT = "pyinstaller>=6.10"
PUBLISHER = "Transitions project"
SMOKE_TIMEOUT = 300
SMOKE_PASSWORD = "smoke-test-fictional-only"  # a throwaway vault of synthetic children


class BuildError(Exception):
    """A build step failed; the message says which and what to do."""


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def check_installed_version(version: str) -> None:
    """The frozen app reads its version from the installed metadata, so it must be current."""
    from importlib import metadata

    try:
        installed = metadata.version("transitions-app")
    except metadata.PackageNotFoundError:
        raise BuildError(
            f"transitions-app is not installed in {sys.prefix}; run `{sys.executable} -m pip "
            "install -e .` first."
        ) from None
    if installed != version:
        raise BuildError(
            f"pyproject.toml says version {version} but the installed metadata says {installed}; "
            f"run `{sys.executable} -m pip install -e .` to refresh it."
        )


def numeric_version(version: str) -> str:
    """Windows version resources need four numbers: 1.2.3rc1 -> 1.2.3.0."""
    parts = re.findall(r"\d+", version.split("+")[0])[:3]
    return ".".join((parts + ["0", "0", "0", "0"])[:4])


def warn_without_postgres() -> None:
    if importlib.util.find_spec("psycopg") is None:
        log(
            "WARNING: psycopg is not installed, so this bundle will open vault folders but not "
            'vaults on a PostgreSQL server; pip install ".[postgres]" to include it.'
        )


def ensure_pyinstaller() -> None:
    try:
        from PyInstaller import __version__ as found
    except ImportError:
        found = None
    if found is None or tuple(int(p) for p in re.findall(r"\d+", found)[:2]) < (6, 10):
        log(f"installing {PYINSTALLER_REQUIREMENT} into {sys.prefix}")
        pip = [sys.executable, "-m", "pip", "install", "--quiet", PYINSTALLER_REQUIREMENT]
        if subprocess.run(pip).returncode != 0:
            raise BuildError(
                f"Could not install {PYINSTALLER_REQUIREMENT}; see pip's output above."
            )


def run_pyinstaller(dist: Path, work: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    log("running PyInstaller")
    work.mkdir(parents=True, exist_ok=True)
    # Not from ROOT: `python -m` puts the working folder first on sys.path, where a stale
    # transitions_app.egg-info from a setuptools build would shadow the installed metadata.
    result = subprocess.run(cmd, cwd=work)
    if result.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit {result.returncode}); see its output above.")
    return dist / APP_NAME


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


# --------------------------------------------------------------------------- smoke test


def app_font_files() -> list[str]:
    """The TrueType files export/fonts.py embeds in PDFs, relative to the bundle's _internal."""
    import reportlab

    import export
    from export.fonts import font_dir

    fonts = Path(font_dir()).resolve()
    for package in (export, reportlab):  # the app's own fonts, or reportlab's bundled ones
        base = Path(package.__file__).resolve().parent.parent
        if fonts.is_relative_to(base):
            return sorted(p.relative_to(base).as_posix() for p in fonts.glob("*.ttf"))
    raise BuildError(f"The app's fonts are in {fonts}, outside any bundled package.")


# The spelling dictionary and its licence (models/spelling.py reads them; selftest names them).
SPELLING_FILES = tuple(
    f"models/spelling_data/{name}" for name in ("en_GB.aff", "en_GB.dic", "LICENCE.txt")
)


def check_bundle_contents(app_dir: Path, version: str) -> None:
    """What must be in the folder, and what must not, checked by name before anything runs."""
    internal = app_dir / "_internal"
    plugins = internal / "PySide6" / "Qt" / "plugins" / "platforms"
    if not plugins.is_dir():
        plugins = internal / "PySide6" / "plugins" / "platforms"  # Windows wheel layout
    wanted_platforms = ("qoffscreen", "qwindows") if WINDOWS else ("qoffscreen", "qxcb")
    missing = []
    for name in wanted_platforms:
        if not any(p.name.startswith((name, f"lib{name}")) for p in plugins.glob("*")):
            missing.append(f"Qt platform plugin {name}")
    fonts = app_font_files()
    if not fonts:
        raise BuildError("export/fonts.py names no TrueType files to embed.")
    for rel in (
        *fonts,
        "reportlab/fonts/Vera.ttf",
        "ui/help_text/guide.md",  # Help ▸ Help's guide (ui/help.py)
        *SPELLING_FILES,
        f"transitions_app-{version}.dist-info/METADATA",
    ):
        if not (internal / rel).is_file():
            missing.append(rel)
    if importlib.util.find_spec("psycopg_binary") and not (internal / "psycopg_binary").is_dir():
        missing.append("psycopg_binary/ (the PostgreSQL driver)")
    if (ROOT / "charters").is_dir() and not (internal / "charters").is_dir():
        missing.append("charters/")
    if missing:
        raise BuildError("The bundle is missing: " + ", ".join(missing) + ".")
    heavy = re.compile(
        r"Qt6?(WebEngine|3D|Quick|Qml|Multimedia|Designer|VirtualKeyboard)", re.IGNORECASE
    )
    unwanted = sorted({p.name for p in internal.rglob("*") if heavy.search(p.name)})
    if unwanted:
        raise BuildError("Excluded Qt modules got into the bundle: " + ", ".join(unwanted[:8]))


class FrozenApp:
    """Runs the frozen executable with a private HOME/data folder, so no real data is touched."""

    def __init__(self, app_dir: Path, scratch: Path) -> None:
        self.exe = app_dir / f"transitions-app{EXE_SUFFIX}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_"))}
        self.env.update(
            QT_QPA_PLATFORM="offscreen",
            HOME=str(scratch / "home"),
            XDG_DATA_HOME=str(scratch / "home" / "data"),
            XDG_CONFIG_HOME=str(scratch / "home" / "config"),
            XDG_CACHE_HOME=str(scratch / "home" / "cache"),
            LOCALAPPDATA=str(scratch / "home" / "localappdata"),
            APPDATA=str(scratch / "home" / "appdata"),
            TRANSITIONS_PASSWORD=SMOKE_PASSWORD,
        )
        (scratch / "home").mkdir(parents=True, exist_ok=True)
        self.cwd = scratch

    def run(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        shown = " ".join(["transitions-app", *map(str, args)])
        try:
            result = subprocess.run(
                [str(self.exe), *map(str, args)],
                cwd=self.cwd,
                env=self.env,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=SMOKE_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(f"`{shown}` did not finish in {SMOKE_TIMEOUT} s.") from None
        if check and result.returncode != 0:
            raise BuildError(f"`{shown}` exited {result.returncode}.\n{_outputs(result)}")
        return result


def _outputs(result: subprocess.CompletedProcess[str]) -> str:
    return f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def commands_of(help_text: str) -> set[str]:
    """Subcommand names from argparse's --help ('    name   description' lines)."""
    block = help_text.split("positional arguments:", 1)[-1].split("options:", 1)[0]
    return set(re.findall(r"^ {4}([a-z][\w-]*)\b", block, re.MULTILINE))


def record_round_trip(app: FrozenApp, scratch: Path) -> str:
    """demo -> export a signed-off record -> verify the PDF, through the frozen command line.

    The demo vault runs under the example charter (encrypted export, sign-off first), so the
    export uses a password file and only signed-off records are candidates.
    """
    vault = scratch / "vault"
    app.run("demo", "--vault", vault, "--children", "3")
    listing = json.loads(app.run("records", "list", "--vault", vault, "--json").stdout)
    candidates = [r for r in listing["records"] if r["status"] == "signed_off"]
    if not candidates:
        raise BuildError(f"The demo vault has no signed-off record to export: {listing}")
    secret = scratch / "pdf-password.txt"
    secret.write_text("smoke-test-pdf-password\n", encoding="utf-8")
    refusals = []
    for record in candidates:
        out = scratch / f"export-{record['id']}"
        result = app.run(
            "export", "--vault", vault, "--record", record["id"], "--out", out,
            "--encrypt-password-file", secret, check=False,
        )  # fmt: skip
        pdfs = sorted(out.glob("*.pdf")) if result.returncode == 0 else []
        if pdfs:
            break
        refusals.append(_outputs(result))
    else:
        raise BuildError(
            "`export` exported none of the signed-off demo records.\n" + "\n".join(refusals)
        )
    verdict = app.run("verify", "--vault", vault, "--password-file", secret, *pdfs)
    if "VALID" not in verdict.stdout:
        raise BuildError(f"`verify` did not report the exported PDF valid.\n{_outputs(verdict)}")
    return f"demo vault, exported {len(pdfs)} PDF(s) of one record, verify: valid"


def postgres_driver_loads(app: FrozenApp) -> str:
    """Point the frozen app at a PostgreSQL server that is not there: it must fail with a plain
    message, not a missing-driver traceback (psycopg is imported only when a URL is used)."""
    result = app.run(
        "vault", "check", "--db", "postgresql+psycopg://smoke@127.0.0.1:9/none", check=False
    )
    output = result.stdout + result.stderr
    if result.returncode == 0 or "Traceback" in output or "No module named" in output:
        raise BuildError(
            f"The PostgreSQL driver does not load in the frozen app.\n{_outputs(result)}"
        )
    return "PostgreSQL driver loads (unreachable server reported plainly)"


def licences_listed(app: FrozenApp) -> str:
    """Help ▸ About's list comes from the packages' metadata: the spec must have copied it."""
    from transitions_app.licences import NOT_FOUND

    lines = app.run("--licences").stdout.splitlines()
    missing = [line.split()[0] for line in lines if NOT_FOUND in line]
    if missing:
        raise BuildError("The frozen app has no metadata for: " + ", ".join(missing[:8]) + ".")
    return f"--licences lists {sum(1 for line in lines if line.startswith('  '))} components"


def smoke_test(app_dir: Path, version: str) -> None:
    check_bundle_contents(app_dir, version)
    with tempfile.TemporaryDirectory(prefix="transitions-smoke-") as tmp:
        scratch = Path(tmp)
        app = FrozenApp(app_dir, scratch)
        got = app.run("--version").stdout.strip()
        if got != f"transitions-app {version}":
            raise BuildError(f"The frozen app says “{got}”, expected “transitions-app {version}”.")
        log(f"smoke: --version -> {got}")
        app.run("selftest")
        log("smoke: selftest passed (QT_QPA_PLATFORM=offscreen)")
        log("smoke: " + licences_listed(app))
        if importlib.util.find_spec("psycopg") is not None:
            log("smoke: " + postgres_driver_loads(app))
        commands = commands_of(app.run("--help").stdout)
        if {"demo", "export", "verify"} <= commands:
            log("smoke: " + record_round_trip(app, scratch))
        else:
            absent = ", ".join(sorted({"demo", "export", "verify"} - commands))
            log(f"smoke: record round trip skipped: this build has no {absent} command")


# --------------------------------------------------------------------------- packaging


def _tar_filter(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Root-owned, world-readable entries: a bundle extracted into /opt works for every user."""
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if info.isdir() or info.mode & 0o111:
        info.mode = 0o755
    else:
        info.mode = 0o644
    return info


def make_tarball(app_dir: Path, dist: Path, version: str) -> Path:
    machine = platform.machine().lower() or "x86_64"
    target = dist / f"transitions-{version}-linux-{machine}.tar.gz"
    log(f"writing {target.name}")
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(app_dir, arcname=APP_NAME, filter=_tar_filter)
        tar.add(DESKTOP, arcname=f"{APP_NAME}/{DESKTOP.name}", filter=_tar_filter)
        tar.add(INSTALL_SH, arcname=f"{APP_NAME}/{INSTALL_SH.name}", filter=_tar_filter)
        for icon in ICONS:
            tar.add(icon, arcname=f"{APP_NAME}/icons/{icon.name}", filter=_tar_filter)
    return target


def find_makensis(install: bool) -> str:
    found = shutil.which("makensis")
    if found:
        return found
    if WINDOWS:
        for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
            candidate = Path(base or "") / "NSIS" / "makensis.exe"
            if base and candidate.is_file():
                return str(candidate)
    elif install and shutil.which("apt-get"):
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        log("installing NSIS with apt-get")
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "nsis"], check=False)
        found = shutil.which("makensis")
        if found:
            return found
    hint = "choco install nsis" if WINDOWS else "apt-get install -y nsis"
    raise BuildError(f"makensis was not found; install NSIS ({hint}).")


def compile_nsis(
    app_dir: Path,
    dist: Path,
    version: str,
    *,
    install: bool,
    windows_bundle: bool = WINDOWS,
    compression: str | None = None,
    target: str | None = None,
) -> Path:
    """Compile installer/windows/transitions.nsi over the one-folder build in ``app_dir``.

    ``windows_bundle``: the folder is a real Windows build (on Windows, or made under Wine by
    ``--windows``), so the result is the real installer; otherwise it wraps Linux files and only
    proves the script compiles. ``compression`` defaults to solid LZMA for a real installer.
    ``target``: NSIS's stub, such as ``amd64-unicode`` (default: makensis' own, x86-unicode).
    """
    exe_suffix = ".exe" if windows_bundle else ""
    if not (app_dir / f"transitions-app{exe_suffix}").is_file():
        raise BuildError(
            f"There is no build in {app_dir}; run installer/build.py without --nsis-only first."
        )
    if not (app_dir / "_internal" / f"transitions_app-{version}.dist-info").is_dir():
        raise BuildError(f"The build in {app_dir} is not version {version}; rebuild it first.")
    makensis = find_makensis(install)
    if windows_bundle:
        out = dist / f"Transitions-{version}-windows-x64-setup.exe"
    else:
        out = dist / f"transitions-{version}-nsis-validation-linux-files-NOT-AN-INSTALLER.exe"
    if compression is None:
        # The validation build only proves the script compiles: skip LZMA (minutes) there.
        compression = "lzma" if windows_bundle else "off"
    opt = "/" if WINDOWS else "-"
    cmd = [
        makensis,
        f"{opt}V2",
        f"{opt}INPUTCHARSET",
        "UTF8",
        f"{opt}DVERSION={version}",
        f"{opt}DVIVERSION={numeric_version(version)}",
        f"{opt}DPUBLISHER={PUBLISHER}",
        f"{opt}DSRCDIR={app_dir.resolve()}",
        f"{opt}DOUTFILE={out.resolve()}",
        f"{opt}DICON={(HERE / 'assets' / 'transitions.ico').resolve()}",
        f"{opt}DCOMPRESSION={compression}",
        *([f"{opt}DTARGET={target}"] if target else []),
        f"{opt}WX",  # a warning is a defect in the script: fail on it
        str(NSI),
    ]
    log(f"compiling {NSI.name} with {makensis} ({compression})")
    result = subprocess.run(cmd, cwd=NSI.parent)
    if result.returncode != 0 or not out.is_file():
        raise BuildError(f"makensis failed (exit {result.returncode}); see its output above.")
    return out


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dist", type=Path, default=ROOT / "dist", help="output folder (default dist/)"
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "build" / "pyinstaller",
        help="PyInstaller's work folder (default build/pyinstaller/)",
    )
    parser.add_argument(
        "--nsis", action="store_true", help="also compile the Windows installer script"
    )
    parser.add_argument(
        "--nsis-only",
        action="store_true",
        help="only compile the installer script over an existing build in --dist",
    )
    parser.add_argument(
        "--windows",
        action="store_true",
        help="on Linux: build, install and smoke-test the Windows installer under Wine "
        "(options: installer/windows_build.py --help)",
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="never install missing tools (PyInstaller, NSIS); fail instead",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--windows" in argv:
        argv.remove("--windows")
        sys.path.insert(0, str(HERE))
        import windows_build

        return int(windows_build.main(argv))
    args = parse_args(argv)
    dist: Path = args.dist.resolve()
    version = project_version()
    timings: list[tuple[str, float]] = []

    def timed(label: str, func, *a, **kw):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        value = func(*a, **kw)
        timings.append((label, time.monotonic() - start))
        return value

    try:
        app_dir = dist / APP_NAME
        artefacts: list[Path] = []
        if not args.nsis_only:
            check_installed_version(version)
            warn_without_postgres()
            if not args.no_install:
                ensure_pyinstaller()
            elif importlib.util.find_spec("PyInstaller") is None:
                raise BuildError("PyInstaller is not installed; install it or drop --no-install.")
            app_dir = timed("PyInstaller build", run_pyinstaller, dist, args.work.resolve())
            timed("smoke test", smoke_test, app_dir, version)
            artefacts.append(app_dir)
            if sys.platform.startswith("linux"):
                artefacts.append(timed("tarball", make_tarball, app_dir, dist, version))
        if args.nsis or args.nsis_only:
            artefacts.append(
                timed(
                    "NSIS compile",
                    compile_nsis,
                    app_dir,
                    dist,
                    version,
                    install=not args.no_install,
                )
            )
    except BuildError as exc:
        print(f"[build] FAILED: {exc}", file=sys.stderr)
        return 1

    for label, seconds in timings:
        log(f"{label}: {seconds:.1f} s")
    for path in artefacts:
        size = folder_size(path) if path.is_dir() else path.stat().st_size
        log(
            f"{path.relative_to(dist.parent) if path.is_relative_to(dist.parent) else path}: "
            f"{size / 1_000_000:.0f} MB"
        )
    log(f"transitions-app {version}: done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
