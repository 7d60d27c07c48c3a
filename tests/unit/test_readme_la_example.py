"""The README's worked examples (for local authorities, and from a setting's export to a school's
receipt) run, line by line, as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _example_lines(name: str = "la-example") -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- {name} -->\s*```sh\n(.*?)```", text, re.S)
    assert block, f"the README has no {name} block"
    return [
        line
        for line in block.group(1).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _run(name: str, folder: Path) -> subprocess.CompletedProcess[str]:
    bindir = folder / "bin"
    bindir.mkdir()
    # `transitions-app` as this interpreter runs it, whether or not the venv's script is on PATH
    shim = bindir / "transitions-app"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m transitions_app "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSITIONS_")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    script = "set -e\n" + "\n".join(_example_lines(name)) + "\n"
    return subprocess.run(
        ["bash", "-c", script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_readme_la_example_runs(tmp_path: Path) -> None:
    shutil.copy(ROOT / "charters" / "riverbend" / "charter.toml", tmp_path / "charter.toml")
    result = _run("la-example", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "charter.signed.toml").exists()
    assert "Buttercup Pre-school (fictional)" in result.stdout


def test_readme_school_example_runs(tmp_path: Path) -> None:
    (tmp_path / "charters").symlink_to(ROOT / "charters", target_is_directory=True)
    result = _run("school-example", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Not ready, so not exported" in result.stdout
    assert "refused" not in result.stdout  # the SENCO packets are kept beside the teacher's
    assert "Imported the receipt from Puddlebrook Primary School (fictional)" in result.stdout
