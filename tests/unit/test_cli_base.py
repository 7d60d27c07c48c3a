"""The command-line plumbing every command shares: opening the vault, rendering the result, and
declaring commands and groups."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from transitions_app.cli import base
from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    EXIT_USAGE,
    CliError,
    Group,
    Result,
    arg,
    command,
    open_vault,
    render,
)
from transitions_app.services import vault_service


class FakeVault:
    """Stands in for VaultService: records whether it was closed."""

    def __init__(self, notices: tuple[str, ...] = ()) -> None:
        self.notices = notices
        self.closed = False

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """VaultService.exists and .open answered by a FakeVault; returns the open calls."""
    calls: list[tuple[object, ...]] = []

    def fake_open(
        directory: Path | None, user: str, password: str, *, db_url: str | None = None
    ) -> FakeVault:
        vault = FakeVault(notices=("The vault is read-only.",))
        calls.append((directory, user, password, db_url, vault))
        return vault

    monkeypatch.setattr(
        vault_service.VaultService, "exists", staticmethod(lambda d, db_url=None: True)
    )
    monkeypatch.setattr(vault_service.VaultService, "open", staticmethod(fake_open))
    monkeypatch.setenv(base.PASSWORD_ENV, "correct horse")
    monkeypatch.delenv("TRANSITIONS_DB", raising=False)
    return calls


def _args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(
        **{"vault": Path("/nowhere/v"), "password_file": None, "user": None, **kw}
    )


def test_open_vault_closes_the_vault_when_the_work_fails(
    opened: list[tuple[object, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CliError), open_vault(_args(), default_user="headteacher"):
        raise CliError("The work failed.")
    directory, user, password, db_url, vault = opened[0]
    assert (directory, user, password, db_url) == (
        Path("/nowhere/v"),
        "headteacher",
        "correct horse",
        None,
    )
    assert isinstance(vault, FakeVault)
    assert vault.closed
    assert capsys.readouterr().err == "The vault is read-only.\n"


def test_open_vault_closes_the_vault_after_the_work(opened: list[tuple[object, ...]]) -> None:
    with open_vault(_args(user="sam")) as vault:
        assert not vault.closed  # type: ignore[attr-defined]
    assert opened[0][1] == "sam"
    assert vault.closed  # type: ignore[attr-defined]


def test_open_vault_refuses_a_missing_vault_before_reading_a_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(base.PASSWORD_ENV, raising=False)
    monkeypatch.delenv("TRANSITIONS_DB", raising=False)
    with pytest.raises(CliError) as caught, open_vault(_args(vault=tmp_path / "none")):
        pass
    assert str(caught.value) == f"No vault was found in {tmp_path / 'none'}."
    assert caught.value.code == EXIT_USAGE


def test_folder_only_ignores_transitions_db(
    opened: list[tuple[object, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRANSITIONS_DB", "postgresql+psycopg://someone@server/db")
    with open_vault(_args(vault=None), folder_only=True):
        pass
    directory, _user, _password, db_url, _vault = opened[0]
    assert db_url is None
    assert isinstance(directory, Path)


def test_render_prints_the_form_asked_for_and_makes_only_that_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def never() -> str:
        raise AssertionError("the other form was made")

    result = Result(
        json={"ok": False}, text=never, code=EXIT_NEGATIVE, errors="Something is damaged."
    )
    assert render(argparse.Namespace(json=True), result) == EXIT_NEGATIVE
    out, err = capsys.readouterr()
    assert (out, err) == ('{\n  "ok": false\n}\n', "Something is damaged.\n")

    result = Result(json=never, text="Line one\nLine two")
    assert render(argparse.Namespace(json=False), result) == 0
    assert capsys.readouterr() == ("Line one\nLine two\n", "")
    assert render(argparse.Namespace(), Result(text="No --json option at all")) == 0
    assert capsys.readouterr().out == "No --json option at all\n"


def test_render_prints_nothing_for_an_empty_result(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        render(argparse.Namespace(json=True), Result(code=EXIT_USAGE, errors="Row 2: no URN."))
        == EXIT_USAGE
    )
    assert render(argparse.Namespace(json=False), Result()) == 0
    assert capsys.readouterr() == ("", "Row 2: no URN.\n")


def test_a_declared_group_parses_runs_and_renders(capsys: pytest.CaptureFixture[str]) -> None:
    @command("greet", "say hello", arg("name", metavar="NAME"), arg("--json", action="store_true"))
    def greet(args: argparse.Namespace) -> Result:
        return Result(json={"hello": args.name}, text=f"Hello, {args.name}.")

    parser = argparse.ArgumentParser(prog="t")
    sub = parser.add_subparsers(dest="command")
    Group("talk", "talking", (greet,), required=False).add_to(sub)

    args = parser.parse_args(["talk", "greet", "Ada"])
    assert args.func(args) == 0
    args = parser.parse_args(["talk", "greet", "Ada", "--json"])
    assert args.func(args) == 0
    assert capsys.readouterr().out == 'Hello, Ada.\n{\n  "hello": "Ada"\n}\n'

    args = parser.parse_args(["talk"])  # a group alone: its usage on stderr, exit 2
    assert args.func(args) == EXIT_USAGE
    assert capsys.readouterr().err.startswith("usage: t talk")
