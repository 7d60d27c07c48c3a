"""Commands about the app itself: open the window, selftest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    EXIT_OK,
    Result,
    Subparsers,
    add_db_arg,
    add_json_arg,
    add_vault_args,
    command,
)


@command("selftest", "check the install (Qt, crypto, fonts, PDF) and exit 0 or 1", add_json_arg)
def run_selftest(args: argparse.Namespace) -> Result:
    from transitions_app.selftest import run_checks

    results = run_checks()
    ok = all(r.ok for r in results)
    lines = [f"{'ok  ' if r.ok else 'FAIL'}  {r.name}: {r.detail}" for r in results]
    lines.append("All checks passed." if ok else "Some checks failed.")
    return Result(
        json={
            "ok": ok,
            "checks": [{"name": r.name, "ok": r.ok, "detail": r.detail} for r in results],
        },
        text="\n".join(lines),
        code=EXIT_OK if ok else EXIT_NEGATIVE,
    )


def run_window(args: argparse.Namespace) -> int:
    from transitions_app.app import run_app

    return run_app(args, sys.argv[:1])


def register(sub: Subparsers) -> None:
    run_selftest.add_to(sub)
    w = sub.add_parser("window", help="open the window (the same as running with no command)")
    add_vault_args(w)
    add_db_arg(w)
    w.add_argument(
        "--la",
        metavar="DIR",
        type=Path,
        default=None,
        help="open the local authority's view (returns from settings and schools) on this LA CA folder",
    )
    w.set_defaults(func=run_window)
