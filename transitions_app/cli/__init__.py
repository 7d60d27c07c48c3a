"""The ``transitions-app`` command line.

Each command group lives in its own module with a ``register(subparsers)`` function. The list
below is the one place that wires them in. Commands are declared with
:func:`transitions_app.cli.base.command` (see that module): a name, help, options and a function
returning a :class:`~transitions_app.cli.base.Result`, printed as ``--json`` or as text.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from models.errors import TransitionsError
from models.safe_output import ShownStream, shown_name
from transitions_app import version
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
    "transitions_app.cli.family_cmd",
)

# The module of the ``window`` command. ``transitions-app window ...`` builds its parser from this
# module alone: everything after ``window`` is parsed by that command's own parser, so the other
# command modules would only slow down the window's first paint.
WINDOW_MODULE = "transitions_app.cli.app_cmd"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage plus a message; keep it to one plain sentence and exit 2.
        sys.stderr.write(f"{self.prog}: {message[0].upper()}{message[1:]}.\n")
        raise SystemExit(EXIT_USAGE)


class _VersionAction(argparse.Action):
    """``--version``, reading the installed version only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help=str(kwargs.get("help", "")),
        )

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        sys.stdout.write(f"transitions-app {version()}\n")
        parser.exit()


class _LicencesAction(argparse.Action):
    """``--licences``: the app's licence and every component's (as Help ▸ About shows)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help=str(kwargs.get("help", "")),
        )

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        from transitions_app.licences import licences_text

        sys.stdout.write(licences_text())
        parser.exit()


def build_parser(modules: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line, or only the commands of ``modules`` (default: COMMAND_MODULES)."""
    parser = _Parser(
        prog="transitions-app",
        description="Transitions: write, sign, share and verify early years transition records.",
        epilog="Run with no command to open the window. Exit codes: 0 success, 1 a negative answer, "
        "2 bad usage or input, 3 authentication failure.",
    )
    parser.add_argument("--version", action=_VersionAction, help="show the version and exit")
    parser.add_argument(
        "--licences",
        action=_LicencesAction,
        help="list the licences of the app and of the components it is built from, and exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES if modules is None else modules:
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
    window_only = arguments[0] == "window" and WINDOW_MODULE in COMMAND_MODULES
    if window_only:
        return _run(arguments, window_only=True)
    # Everything a command writes is shown as file names are: a name (or any text someone else
    # chose) that reaches a sentence cannot write escape codes or bytes that are not UTF-8.
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = ShownStream(sys.stdout), ShownStream(sys.stderr)
    try:
        return _run(arguments, window_only=False)
    finally:
        sys.stdout, sys.stderr = streams


def _run(arguments: list[str], *, window_only: bool) -> int:
    parser = build_parser((WINDOW_MODULE,) if window_only else None)
    args = parser.parse_args(arguments)
    func = getattr(args, "func", None)
    if func is None:
        from transitions_app.cli.app_cmd import run_window

        func = run_window
    try:
        return int(func(args))
    except CliError as exc:
        sys.stderr.write(f"{shown_name(str(exc))}\n")  # one line, whatever the names in it
        return exc.code
    except TransitionsError as exc:
        sys.stderr.write(f"{shown_name(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("Stopped.\n")
        return 130
    except BrokenPipeError:
        # The reader stopped reading (``… --json | head``): no traceback, and nothing more to say.
        # Point stdout at devnull so the interpreter's own flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
