"""The list of components and licences (Help ▸ About, ``transitions-app --licences``): read from
the installed packages, followed down the run-time requirements only, with the parts inside them."""

from __future__ import annotations

import subprocess
import sys
from email.message import Message
from pathlib import Path

import pytest

from transitions_app import licences
from transitions_app.cli import main
from transitions_app.licences import UNKNOWN, Component, components, licence_of, python_components


def by_name() -> dict[str, Component]:
    return {c.name.lower().replace("_", "-"): c for c in components()}


def test_the_app_s_dependencies_are_listed_with_their_licences() -> None:
    found = by_name()
    assert "LGPL-3.0" in found["pyside6-essentials"].licence
    assert found["sqlalchemy"].licence == "MIT"
    assert "Apache-2.0" in found["cryptography"].licence
    assert "BSD" in found["reportlab"].licence
    assert found["pyhanko"].licence == "MIT"
    assert found["pikepdf"].licence == "MPL-2.0"
    assert all(found[n].version for n in ("pyside6-essentials", "sqlalchemy", "pikepdf"))
    assert "aiohttp" in found  # pyHanko's own requirement: followed down


def test_development_tools_and_extras_are_not_listed() -> None:
    found = by_name()
    for tool in ("pytest", "ruff", "mypy", "import-linter", "pyinstaller", "psycopg"):
        assert tool not in found, tool
    assert "transitions-app" not in found


def test_the_parts_inside_the_packages_follow_them() -> None:
    listed = components()
    dejavu = next(c for c in listed if c.name.startswith("DejaVu Sans"))
    assert "Bitstream Vera" in dejavu.licence
    assert next(c for c in listed if c.name == "Qt").part_of == "PySide6-Essentials"
    assert listed[-len(licences.BUNDLED) :] == list(licences.BUNDLED)
    # The licence sits beside the fonts it speaks of, in the package that ships them.
    font_dir = Path(licences.__file__).resolve().parents[1] / "export" / "font_files"
    assert "Bitstream Vera" in (font_dir / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")


def _meta(**fields: str | list[str]) -> Message:
    meta = Message()
    for key, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            meta[key.replace("_", "-")] = v
    return meta


def test_the_licence_is_the_expression_then_the_classifier_then_a_short_field() -> None:
    assert licence_of(_meta(License_Expression="MIT", License="BSD")) == "MIT"  # type: ignore[arg-type]
    classified = _meta(
        License="BSD license (see license.txt for details), Copyright (c) 2000-2030 Someone " * 2,
        Classifier=["Programming Language :: Python", "License :: OSI Approved :: BSD License"],
    )
    assert licence_of(classified) == "BSD License"  # type: ignore[arg-type]
    assert licence_of(_meta(License="Apache-2.0")) == "Apache-2.0"  # type: ignore[arg-type]
    assert licence_of(_meta(License="Permission is hereby granted...\nfree of charge")) == UNKNOWN  # type: ignore[arg-type]
    assert licence_of(_meta()) == UNKNOWN  # type: ignore[arg-type]


def _dist(root: Path, name: str, *lines: str) -> None:
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    text = "\n".join(["Metadata-Version: 2.4", f"Name: {name}", "Version: 1.0", *lines])
    (info / "METADATA").write_text(text + "\n", encoding="utf-8")


def test_a_requirement_that_is_not_installed_is_listed_not_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dist(
        tmp_path,
        "fictional-app",
        "Requires-Dist: fictional-lib>=1",
        "Requires-Dist: fictional-missing",
        'Requires-Dist: fictional-dev-tool; extra == "dev"',
        'Requires-Dist: fictional-old-python; python_version < "3.0"',
    )
    _dist(tmp_path, "fictional-lib", "License-Expression: 0BSD", "Requires-Dist: fictional-app")
    _dist(tmp_path, "fictional-dev-tool", "License-Expression: MIT")
    monkeypatch.syspath_prepend(str(tmp_path))
    listed = python_components("fictional-app")
    assert listed == [
        Component("fictional-lib", "1.0", "0BSD"),  # its requirement on the app is not a loop
        Component("fictional-missing", "", UNKNOWN),
    ]
    assert licences.app_licence("fictional-app") == ""
    text = licences.licences_text("fictional-app")
    assert "fictional-app 1.0: no licence declared yet" in text
    assert f"  fictional-missing {licences.NOT_FOUND}: {UNKNOWN}" in text  # build.py looks for it


def test_the_command_line_prints_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--licences"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("transitions-app ")
    assert any(
        line.strip().lower().startswith("pyside6") and "LGPL-3.0" in line
        for line in out.splitlines()
    )
    assert "DejaVu Sans" in out


def test_the_list_needs_no_qt() -> None:
    script = (
        "import sys; from transitions_app.licences import licences_text; licences_text(); "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'ui'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
