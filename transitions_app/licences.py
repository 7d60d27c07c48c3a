"""What Transitions is built from, and under which licences: the About box and
``transitions-app --licences`` read it from here.

The Python packages are read from the installed distributions (``importlib.metadata``): the
app's own run-time requirements and theirs, followed down, without extras or development tools,
so the list follows the versions actually installed and cannot go stale. Parts that are not
Python distributions (Qt inside PySide6, OpenSSL inside cryptography, the fonts the PDFs embed)
come from :data:`BUNDLED`, written by hand. No Qt here, so it can be tested and used from the
command line alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

APP_DISTRIBUTION = "transitions-app"
# A License field longer than this is the licence's text (or a copyright notice), not its name.
_SHORT_LICENCE = 80
UNKNOWN = "see the package's licence file"
NOT_FOUND = "(not found)"  # a requirement whose metadata is not installed


@dataclass(frozen=True, slots=True)
class Component:
    """One thing the app ships with: ``name``, ``version`` ("" when not known), its ``licence``
    (an SPDX expression where the package gives one) and, for a part inside another package,
    ``part_of`` (the package that brings it)."""

    name: str
    version: str
    licence: str
    part_of: str = ""


# Parts that no distribution's metadata names: libraries compiled into the wheels and the fonts.
BUNDLED: tuple[Component, ...] = (
    Component("Qt", "", "LGPL-3.0-only", "PySide6-Essentials"),
    Component("OpenSSL", "", "Apache-2.0", "cryptography"),
    Component("PDFium", "", "BSD-3-Clause AND Apache-2.0", "pypdfium2"),
    Component("QPDF", "", "Apache-2.0", "pikepdf"),
    Component(
        "Image libraries (Little CMS, libjpeg-turbo, zlib and others)",
        "",
        "each its own; listed in Pillow's licence file",
        "pillow",
    ),
    # export/font_files/LICENSE-DejaVu.txt, shipped beside the fonts.
    Component(
        "DejaVu Sans fonts, embedded in every PDF",
        "",
        "Bitstream Vera Fonts licence; DejaVu changes in the public domain",
    ),
    Component("Bitstream Vera fonts", "", "Bitstream Vera Fonts licence", "reportlab"),
)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _field(meta: metadata.PackageMetadata, name: str) -> str:
    """The first ``name`` field of ``meta``, or "" (the protocol has no ``get``)."""
    values = meta.get_all(name)
    return str(values[0]) if values else ""


def licence_of(meta: metadata.PackageMetadata) -> str:
    """A distribution's licence: its License-Expression, else its licence classifiers, else a
    short License field; else :data:`UNKNOWN`."""
    expression = _field(meta, "License-Expression").strip()
    if expression:
        return expression
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::") and c.count("::") >= 2
    ]
    if classifiers:
        return ", ".join(classifiers)
    field = _field(meta, "License").strip()
    if field and "\n" not in field and len(field) <= _SHORT_LICENCE:
        return field
    return UNKNOWN


def _requirement_names(distribution: str) -> list[str]:
    """The run-time requirements of ``distribution`` that apply here (no extras)."""
    from packaging.requirements import InvalidRequirement, Requirement

    names = []
    for line in metadata.requires(distribution) or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.append(requirement.name)
    return names


def _installed(name: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def python_components(root: str = APP_DISTRIBUTION) -> list[Component]:
    """Every installed distribution ``root`` needs at run time, itself left out, by name.

    A requirement that is not installed (a frozen build without its metadata, say) is listed
    with no version, so it is never silently dropped from the list."""
    seen: dict[str, Component] = {}
    todo = _requirement_names(root) if _installed(root) is not None else []
    while todo:
        name = todo.pop()
        key = _canonical(name)
        if key in seen or key == _canonical(root):
            continue
        dist = _installed(name)
        if dist is None:
            seen[key] = Component(name, "", UNKNOWN)
            continue
        seen[key] = Component(
            dist.metadata["Name"] or name, dist.version, licence_of(dist.metadata)
        )
        todo += _requirement_names(name)
    return sorted(seen.values(), key=lambda c: c.name.casefold())


def components(root: str = APP_DISTRIBUTION) -> list[Component]:
    """The Python packages (:func:`python_components`) and then the parts inside them."""
    return [*python_components(root), *BUNDLED]


def app_licence(root: str = APP_DISTRIBUTION) -> str:
    """The app's own licence as its metadata declares it, or "" when none is declared."""
    dist = _installed(root)
    if dist is None:
        return ""
    found = licence_of(dist.metadata)
    return "" if found == UNKNOWN else found


def licences_text(root: str = APP_DISTRIBUTION) -> str:
    """The list as plain text, one component a line (``transitions-app --licences``)."""
    own = app_licence(root) or "no licence declared yet"
    lines = [f"{root} {_version(root)}: {own}", "", "Built with:"]
    for c in python_components(root):
        lines.append(f"  {c.name} {c.version or NOT_FOUND}: {c.licence}")
    for c in BUNDLED:
        inside = f" (in {c.part_of})" if c.part_of else ""
        lines.append(f"  {c.name}{inside}: {c.licence}")
    return "\n".join(lines) + "\n"


def _version(root: str) -> str:
    dist = _installed(root)
    return dist.version if dist is not None else "unknown version"
