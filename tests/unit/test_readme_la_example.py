"""The README's worked example for local authorities runs, line by line, as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _example_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- la-example -->\s*```sh\n(.*?)```", text, re.S)
    assert block, "the README has no la-example block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_readme_la_example_runs(tmp_path: Path) -> None:
    shutil.copy(ROOT / "charters" / "riverbend" / "charter.toml", tmp_path / "charter.toml")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    # `transitions-app` as this interpreter runs it, whether or not the venv's script is on PATH
    shim = bindir / "transitions-app"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m transitions_app "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSITIONS_")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    script = "set -e\n" + "\n".join(_example_lines()) + "\n"
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "charter.signed.toml").exists()
    assert "Buttercup Pre-school (fictional)" in result.stdout
