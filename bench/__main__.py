"""``python -m bench [--quick] [--dir DIR] [--out FILE]``: print one JSON object of figures.

``--quick`` uses tiny sizes and one repetition: it only shows that every figure can be measured
(the unit test runs it). The full run takes a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import figures
from bench.machine import machine_info, machine_load
from bench.vaults import build_vault


def run(quick: bool, parent: Path | None = None, keep: bool = False) -> dict[str, Any]:
    sizes = figures.QUICK if quick else figures.FULL
    work = figures.new_work_dir(parent)
    started = time.perf_counter()
    load_before = machine_load()
    details: dict[str, Any] = {}
    out: list[figures.Figure] = []

    def step(message: str) -> None:
        print(f"[bench {time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr)

    try:
        step(f"building a {sizes.records}-record vault in {work}")
        vault = build_vault(work / "vault", sizes.records, quick=quick)
        details["vault_build_s"] = vault.build_seconds
        home = work / "home"
        home.mkdir()

        step("unlock and list")
        figure, details["unlock_and_list"] = figures.unlock_and_list(
            vault, work / "plain-read", sizes
        )
        out.append(figure)
        step("save")
        figure, details["save_record"] = figures.save_record(vault, work / "plain-write", sizes)
        out.append(figure)
        step("search as you type (offscreen window)")
        search_figures, details["search"] = figures.ui_figures(vault, home, sizes)
        out.extend(search_figures)
        step("records, sections, new child, export dialog (offscreen window)")
        editor_figures, details["editor"] = figures.editor_figures(vault, home, sizes)
        out.extend(editor_figures)
        step("render and sign")
        render_figures, details["render_and_sign"], signed, each = figures.render_and_sign(
            vault.records, sizes
        )
        out.extend(render_figures)
        step("batch export")
        figure, details["batch_export"] = figures.batch_export(vault.records, work, sizes, each)
        out.append(figure)
        step("verify")
        figure, details["verify"] = figures.verify_signed(signed, sizes)
        out.append(figure)
        step("cold start")
        figure, details["cold_start"] = figures.cold_start(vault, home, sizes)
        out.append(figure)
        step("peak memory")
        figure, details["memory"] = figures.memory_figure(vault, home)
        out.append(figure)
        step("done")
        return {
            "machine": {**machine_info(work), "load_average": [load_before, machine_load()]},
            "mode": "quick" if quick else "full",
            "seconds": round(time.perf_counter() - started, 1),
            "figures": [f.to_json() for f in out],
            "details": details,
        }
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: only check it runs")
    parser.add_argument(
        "--dir", type=Path, help="make the temporary folder here (default: system temp)"
    )
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    result = run(args.quick, args.dir, args.keep)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
