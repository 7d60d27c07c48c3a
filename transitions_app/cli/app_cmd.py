"""Commands about the app itself: open the window, selftest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from transitions_app.cli.base import EXIT_NEGATIVE, EXIT_OK, add_db_arg, add_vault_args


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "selftest", help="check the install (Qt, crypto, fonts, PDF) and exit 0 or 1"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_selftest)
    w = sub.add_parser("window", help="open the window (the same as running with no command)")
    add_vault_args(w)
    add_db_arg(w)
    w.add_argument(
        "--la", metavar="DIR", type=Path, default=None,
        help="open the local authority's view (returns from settings and schools) on this LA CA folder",
    )
    w.set_defaults(func=run_window)


def run_selftest(args: argparse.Namespace) -> int:
    from transitions_app.selftest import run_checks

    results = run_checks()
    ok = all(r.ok for r in results)
    if getattr(args, "json", False):
        from transitions_app.cli.base import print_json

        print_json(
            {
                "ok": ok,
                "checks": [{"name": r.name, "ok": r.ok, "detail": r.detail} for r in results],
            }
        )
    else:
        for r in results:
            print(f"{'ok  ' if r.ok else 'FAIL'}  {r.name}: {r.detail}")
        print("All checks passed." if ok else "Some checks failed.")
    return EXIT_OK if ok else EXIT_NEGATIVE


def run_window(args: argparse.Namespace) -> int:
    from transitions_app.app import run_app

    return run_app(args, sys.argv[:1])
