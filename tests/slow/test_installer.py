"""installer/build.py end to end: PyInstaller one-folder build, frozen smoke test, Linux tarball
and an NSIS compile of installer/windows/transitions.nsi (the Windows installer itself is built,
installed and run under Wine by `.ci/run` with installer/build.py --windows, and on real Windows by
.github/workflows/windows-installer.yml).

Takes about 1.5 minutes on 2 cores; the time is printed (pytest -s, or -rP) so CI logs show drift.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_PY = ROOT / "installer" / "build.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1500),
    pytest.mark.skipif(
        not sys.platform.startswith("linux"),
        reason="builds the Linux bundle; Windows is built by the windows-installer workflow",
    ),
]


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def _load_build_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("installer_build", BUILD_PY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_"))}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(home), XDG_DATA_HOME=str(home / "data"))
    return env


def test_build_py_end_to_end() -> None:
    """One test, one build: pytest-xdist would otherwise run a module fixture once per worker.

    The build lives in its own temporary folder, not tmp_path: a pytest session started meanwhile
    (another checkout, another engineer) prunes old /tmp/pytest-of-USER folders, this one included.
    """
    with tempfile.TemporaryDirectory(prefix="transitions-installer-test-") as tmp:
        _build_and_check(Path(tmp))


def _build_and_check(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    start = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            str(BUILD_PY),
            "--nsis",
            "--dist",
            str(dist),
            "--work",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    print(
        f"\ninstaller/build.py --nsis took {time.monotonic() - start:.0f} s\n{result.stdout[-1500:]}"
    )
    assert result.returncode == 0, f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    assert f"smoke: --version -> transitions-app {_version()}" in result.stdout
    assert "smoke: selftest passed" in result.stdout

    _check_frozen_version(dist / "transitions", tmp_path)
    _check_tarball(dist / f"transitions-{_version()}-linux-x86_64.tar.gz")
    validation = dist / f"transitions-{_version()}-nsis-validation-linux-files-NOT-AN-INSTALLER.exe"
    assert validation.read_bytes()[:2] == b"MZ", "makensis did not produce a Windows executable"
    # Last: it damages the build.
    _check_smoke_test_catches_missing_fonts(dist / "transitions", tmp_path)


def _check_frozen_version(app_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(app_dir / "transitions-app"), "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"transitions-app {_version()}"


def _check_tarball(tarball: Path) -> None:
    with tarfile.open(tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
        desktop = tar.extractfile(members["transitions/transitions.desktop"])
        assert desktop is not None
        entry = desktop.read().decode()
    exe = members["transitions/transitions-app"]
    assert exe.mode & 0o111
    assert exe.uid == 0
    assert members["transitions/install.sh"].mode & 0o111
    assert "transitions/icons/transitions.png" in members
    assert "transitions/_internal/reportlab/fonts/Vera.ttf" in members
    assert "transitions/_internal/export/font_files/DejaVuSans.ttf" in members
    assert "transitions/_internal/ui/help_text/guide.md" in members
    assert "Exec=/opt/transitions/transitions-app" in entry
    assert not [n for n in members if n.endswith(("root-key.json", "root-key.pem"))], (
        "a CA private key was shipped"
    )
    # The outcomes page draws with Qt Charts; the smoke test never opens a window, so check here.
    assert any(n.startswith("transitions/_internal/PySide6/QtCharts.") for n in members)
    assert any("Qt6Charts" in n for n in members)
    # ...without Qt Quick / QML, which PySide6-Addons' plugins would otherwise drag in.
    quick = re.compile(r"Qt6\w*(Quick|Qml)|VirtualKeyboard|/qml(/|$)", re.IGNORECASE)
    assert not [n for n in members if quick.search(n)]


def _check_smoke_test_catches_missing_fonts(app_dir: Path, tmp_path: Path) -> None:
    """Break the bundle the way a bad spec would (the PDF fonts left out): the frozen selftest
    and the build's smoke test must both say so."""
    build = _load_build_module()
    font = build.app_font_files()[0]
    (app_dir / "_internal" / font).unlink()
    result = subprocess.run(
        [str(app_dir / "transitions-app"), "selftest"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        timeout=120,
    )
    assert result.returncode == 1, result.stdout
    assert "FAIL  Fonts" in result.stdout
    with pytest.raises(build.BuildError, match=Path(font).name):
        build.smoke_test(app_dir, _version())
