"""A test fixture: version 2 of the framework adds one field to section 9."""

from __future__ import annotations

import dataclasses

from models.framework.definition import FieldDef, Framework, Kind, build_framework, build_section
from models.framework.registry import get_framework


def build_v2() -> Framework:
    v1 = get_framework("eyfs-school-readiness", 1)
    sections = []
    for s in v1.sections:
        fields = [dataclasses.replace(f, path="") for f in s.fields]
        fields = [
            dataclasses.replace(
                f, item_fields=tuple(dataclasses.replace(i, path="") for i in f.item_fields)
            )
            for f in fields
        ]
        if s.key == "transition":
            fields.append(
                FieldDef(
                    "buddy",
                    "School buddy arranged",
                    Kind.YESNO,
                    "New in version 2.",
                    since_version=2,
                )
            )
        sections.append(build_section(s.key, s.number, s.title, s.help, fields))
    return build_framework(v1.id, 2, v1.title, sections)
