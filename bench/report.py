"""``python -m bench.report RESULT.json``: the figures and the machine as Markdown tables."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _number(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| figure | value | baseline | ratio | target | ok |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for f in result["figures"]:
        unit = f["unit"]
        lines.append(
            f"| {f['name']} | {_number(f['value'])} {unit} | {_number(f['baseline'])} {unit} "
            f"| {_number(f['ratio'])}x | {f['target']} | {'yes' if f['ok'] else '**no**'} |"
        )
    m = result["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    lines += [
        "",
        f"Machine: {m['cpu_count']} CPUs ({m['cpu_model']}), Python {m['python']}, "
        f"{m['platform']}, work folder on {m['work_dir_filesystem']}; load average "
        f"(1/5/15 min) {m['load_average'][0]} at start, {m['load_average'][1]} at end; "
        f"run took {result['seconds']} s ({result['mode']}).",
        "",
        f"Libraries: {versions}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
