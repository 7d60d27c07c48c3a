"""Every window fits a small office screen: 1280x720 at 100 %, 1366x768 at 125 %, 1920x1080 at
150 %, each less a Windows taskbar (40 px at 100 %, scaled with the display).

Each screen runs ``tests/ui/screen_fit/`` in its own process, because the scale factor
(``QT_SCALE_FACTOR``) and the screen (the offscreen platform's ``configfile``) are fixed when Qt
starts. A failure lists each control that is off the screen, squeezed or cut off.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TASKBAR = 40  # Windows 10/11 taskbar height at 100 %, in physical pixels

SCREENS = {
    "1280x720@100%": (1280, 720, 1.0),
    "1366x768@125%": (1366, 768, 1.25),
    "1920x1080@150%": (1920, 1080, 1.5),
}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_window_fits(screen: str, tmp_path: Path) -> None:
    width, height, scale = SCREENS[screen]
    config = tmp_path / "screen.json"
    # The offscreen screen is what Windows leaves to windows: the display less the taskbar.
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "office",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height - round(TASKBAR * scale),
                        "logicalDpi": 96,
                    }
                ]
            }
        ),  # fmt: skip
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PYTEST_XDIST"))}
    env.update(
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        QT_SCALE_FACTOR=str(scale),
        TRANSITIONS_FIT_SCREEN=screen,
    )
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/ui/screen_fit", "-q", "-n", "0",
         "-p", "no:cacheprovider", "-p", "no:randomly", f"--basetemp={tmp_path / 'run'}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )  # fmt: skip
    tail = (result.stdout + result.stderr)[-12000:]
    assert result.returncode == 0, f"{screen}:\n{tail}"
    assert " passed" in result.stdout, tail
    assert "skipped" not in result.stdout.splitlines()[-1], tail
