"""The wheel: built from a copy of the source tree, installed into a clean venv (dependencies from
PyPI, through pip's cache), then `transitions-app --version` and `transitions-app selftest` run
from outside the source tree. Catches package lists and package data missing from pyproject.toml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOP_LEVEL_PACKAGES = {"transitions_app", "models", "export", "ui"}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def _copy_source(dest: Path) -> Path:
    """setuptools writes build/ and *.egg-info next to pyproject.toml: build from a copy."""
    ignore = shutil.ignore_patterns(
        ".git",
        ".venv",
        "venv",
        "build",
        "dist",
        "*.egg-info",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "node_modules",
    )
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def _env(tmp: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_", "VIRTUAL_ENV"))
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp / "home"),
        XDG_DATA_HOME=str(tmp / "home" / "data"),
    )
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
    )
    # pip's cache lives under HOME on Linux; keep the real one so dependencies are not refetched.
    if "PIP_CACHE_DIR" not in env:
        env["PIP_CACHE_DIR"] = subprocess.run(
            [sys.executable, "-m", "pip", "cache", "dir"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return env


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: int = 900) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(cmd)} exited {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


def test_wheel_installs_in_a_clean_venv_and_runs() -> None:
    pytest.importorskip("build", reason="the 'build' package comes with the dev extras")
    # Not tmp_path: a pytest session started meanwhile prunes old /tmp/pytest-of-USER folders.
    with tempfile.TemporaryDirectory(prefix="transitions-wheel-test-") as tmp:
        _build_install_and_run(Path(tmp))


def _build_install_and_run(tmp_path: Path) -> None:
    start = time.monotonic()
    env = _env(tmp_path)
    (tmp_path / "home").mkdir()
    source = _copy_source(tmp_path / "src")
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(wheels)], cwd=source, env=env)
    (wheel,) = wheels.glob("transitions_app-*.whl")
    assert wheel.name.startswith(f"transitions_app-{_version()}-")

    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    top = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top == TOP_LEVEL_PACKAGES, f"unexpected top-level names in the wheel: {sorted(top)}"
    assert "ui/help_text/guide.md" in names  # Help ▸ Help's guide is package data

    venv_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    bindir = venv_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        cwd=tmp_path,
        env=env,
    )

    app = str(bindir / ("transitions-app.exe" if os.name == "nt" else "transitions-app"))
    where = _run(
        [str(python), "-c", "import transitions_app, models; print(transitions_app.__file__)"],
        cwd=tmp_path,
        env=env,
    )
    assert Path(where.strip()).is_relative_to(venv_dir), (
        f"imported from {where.strip()}, not the venv"
    )
    assert (
        _run([app, "--version"], cwd=tmp_path, env=env).strip() == f"transitions-app {_version()}"
    )
    out = _run([app, "selftest"], cwd=tmp_path, env=env, timeout=300)
    assert "All checks passed." in out
    licences = _run([app, "--licences"], cwd=tmp_path, env=env)
    assert "PySide6" in licences
    assert "(not found)" not in licences
    print(f"\nwheel build + clean install + checks took {time.monotonic() - start:.0f} s")
