"""Regenerate docs/record.schema.json from the framework definition."""

from __future__ import annotations

import json
from pathlib import Path

from models.framework.registry import current_framework
from models.interchange import json_schema

OUT = Path(__file__).resolve().parents[1] / "docs" / "record.schema.json"

if __name__ == "__main__":
    OUT.write_text(
        json.dumps(json_schema(current_framework()), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT}")
