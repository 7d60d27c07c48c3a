"""``python -m bench --quick`` runs end to end and prints the documented JSON shape.

It runs in a subprocess (the benchmark starts Qt and process pools of its own). The numbers of a
quick run mean nothing; only the shape is checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIGURE_KEYS = {"name", "value", "unit", "baseline", "ratio", "target", "ok"}
EXPECTED = {
    "unlock_and_list_",
    "save_record_p95",
    "search_keystroke_p95",
    "search_clear_keystroke",
    "render_and_sign_pdf",
    "batch_export_",
    "verify_signed_pdf",
    "cold_start_login_window",
    "peak_rss_",
    "open_record_p95",
    "first_visit_section",
    "new_child",
}
EXACT = {"open_export_dialog", "open_export_dialog_first_page"}


def test_quick_bench_prints_one_json_object_of_figures(tmp_path: Path) -> None:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert time.monotonic() - start < 60

    result = json.loads(done.stdout)  # the whole of stdout is one JSON object
    machine = result["machine"]
    assert machine["cpu_count"] >= 1
    assert machine["python"].count(".") == 2
    assert machine["platform"]
    assert machine["versions"]["cryptography"]
    assert machine["versions"]["PySide6-Essentials"]

    figures = result["figures"]
    names = [f["name"] for f in figures]
    for prefix in EXPECTED:
        assert sum(n.startswith(prefix) for n in names) == 1, (prefix, names)
    for name in EXACT:
        assert names.count(name) == 1, (name, names)
    for figure in figures:
        assert figure.keys() >= FIGURE_KEYS
        assert isinstance(figure["value"], float | int)
        assert figure["value"] > 0
        assert isinstance(figure["baseline"], float | int)
        assert figure["baseline"] > 0
        assert abs(figure["ratio"] - figure["value"] / figure["baseline"]) <= 0.01 * figure["ratio"]
        assert figure["unit"] in {"ms", "s", "MB"}
        assert figure["target"].startswith("<")
        assert isinstance(figure["ok"], bool)
    assert not list(tmp_path.iterdir()), "the benchmark left its temporary folder behind"
