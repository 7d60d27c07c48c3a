"""The ``transitions-app`` command line.

Each command group lives in its own module with a ``register(subparsers)`` function. The list
below is the one place that wires them in.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from models.errors import TransitionsError
from transitions_app import __version__
from transitions_app.cli.base import EXIT_USAGE, CliError

# One line per command module; each defines register(subparsers).
COMMAND_MODULES: tuple[str, ...] = (
    "transitions_app.cli.app_cmd",
    "transitions_app.cli.records_cmd",
    "transitions_app.cli.vault_cmd",
    "transitions_app.cli.la_cmd",
    "transitions_app.cli.charter_cmd",
    "transitions_app.cli.school_cmd",
    "transitions_app.cli.export_cmd",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage plus a message; keep it to one plain sentence and exit 2.
        sys.stderr.write(f"{self.prog}: {message[0].upper()}{message[1:]}.\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="transitions-app",
        description="Transitions: write, sign, share and verify early years transition records.",
        epilog="Run with no command to open the window. Exit codes: 0 success, 1 a negative answer, "
        "2 bad usage or input, 3 authentication failure.",
    )
    parser.add_argument("--version", action="version", version=f"transitions-app {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def harden_process() -> None:
    """No core dumps: a crash must not write decrypted records to disk (Linux and macOS). No
    library log lines either: pyHanko and others log warnings (with tracebacks, sometimes a
    signer's name) that would otherwise reach stderr, where errors are one plain sentence."""
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):  # Windows has no resource module
        pass


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments:
        # The window alone: skip importing every command module first (faster first paint).
        from transitions_app.cli.app_cmd import run_window

        return int(run_window(argparse.Namespace(vault=None, password_file=None, user=None)))
    parser = build_parser()
    args = parser.parse_args(arguments)
    func = getattr(args, "func", None)
    if func is None:
        from transitions_app.cli.app_cmd import run_window

        func = run_window
    try:
        return int(func(args))
    except CliError as exc:
        sys.stderr.write(f"{exc}\n")
        return exc.code
    except TransitionsError as exc:
        sys.stderr.write(f"{exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("Stopped.\n")
        return 130
