"""The shape of a framework definition: sections, fields, kinds, choices and conditions.

A framework is data. One definition drives the editor form, validation, completeness, the PDF and
the JSON interchange; nothing downstream lists fields by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Kind(StrEnum):
    TEXT = "text"  # one line
    NOTE = "note"  # several lines
    DATE = "date"
    CHOICE = "choice"  # one of the options
    MULTI = "multi"  # several of the options
    YESNO = "yesno"  # True / False
    SCALE = "scale"  # the judgement scale of the learning and development section
    NUMBER = "number"
    PERSON = "person"  # name, role, organisation, contact
    LIST = "list"  # a repeating group of item fields


class TextFormat(StrEnum):
    """One-line text with a checked shape (see ``models.identifiers``)."""

    UPN = "upn"  # the DfE unique pupil number, with its check letter
    SCHOOL_URN = "school_urn"  # a school's six-digit DfE URN


class Guard(StrEnum):
    """Fields only some roles may change."""

    SAFEGUARDING = "safeguarding"


class HasValues(Protocol):
    def get(self, path: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Condition:
    """When a requirement applies: the field at ``path`` holds one of ``any_of``, or is set at all."""

    path: str
    any_of: tuple[str, ...] = ()
    is_set: bool = False

    def holds(self, record: HasValues) -> bool:
        value = record.get(self.path)
        if self.is_set:
            return not is_empty(value)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if isinstance(value, (list, tuple)):
            return any(str(v) in self.any_of for v in value)
        return value is not None and str(value) in self.any_of

    def describe(self, framework: Framework) -> str:
        target = framework.field(self.path)
        if self.is_set:
            return f"when “{target.label}” is filled in"
        labels = [target.option_label(v) for v in self.any_of]
        return f"when “{target.label}” is {' or '.join(labels)}"


def is_empty(value: Any) -> bool:
    """A value that does not count as filled in for completeness."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        if isinstance(value, dict):
            return all(is_empty(v) for v in value.values())
        return len(value) == 0
    return False


@dataclass(frozen=True, slots=True)
class FieldDef:
    key: str
    label: str
    kind: Kind
    help: str = ""
    required: bool = False
    required_when: Condition | None = None
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    step: int | None = None
    item_fields: tuple[FieldDef, ...] = ()
    feeds: tuple[str, ...] = ()  # the summary flags this field feeds
    guard: Guard | None = None
    group: str = ""  # a sub-heading inside the section (an area of learning, a check)
    since_version: int = 1
    past_only: bool = False  # a date of something that has happened: never in the future
    text_format: TextFormat | None = None  # a one-line text's checked shape
    path: str = ""  # "section.key", filled in by the section

    def option_label(self, value: str) -> str:
        for opt in self.options:
            if opt.value == value:
                return opt.label
        return value

    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def item_field(self, key: str) -> FieldDef:
        for f in self.item_fields:
            if f.key == key:
                return f
        raise KeyError(f"{self.path} has no item field {key!r}")

    def is_required(self, record: HasValues) -> bool:
        if self.required:
            return True
        return self.required_when is not None and self.required_when.holds(record)


@dataclass(frozen=True, slots=True)
class SectionDef:
    key: str
    number: int
    title: str
    help: str
    fields: tuple[FieldDef, ...]

    def groups(self) -> list[tuple[str, list[FieldDef]]]:
        """The fields in order, grouped under their sub-headings."""
        out: list[tuple[str, list[FieldDef]]] = []
        for f in self.fields:
            if not out or out[-1][0] != f.group:
                out.append((f.group, []))
            out[-1][1].append(f)
        return out


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    version: int
    title: str
    sections: tuple[SectionDef, ...]
    _index: Mapping[str, FieldDef] = field(default_factory=dict, compare=False, repr=False)
    _cache: dict[str, tuple[FieldDef, ...]] = field(default_factory=dict, compare=False, repr=False)

    def field(self, path: str) -> FieldDef:
        try:
            return self._index[path]
        except KeyError:
            raise KeyError(f"framework {self.id} v{self.version} has no field {path!r}") from None

    def has_field(self, path: str) -> bool:
        return path in self._index

    def section(self, key: str) -> SectionDef:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"framework {self.id} v{self.version} has no section {key!r}")

    def iter_fields(self) -> Iterator[FieldDef]:
        for s in self.sections:
            yield from s.fields

    def _cached(self, key: str, build: Callable[[], tuple[FieldDef, ...]]) -> tuple[FieldDef, ...]:
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = build()
        return found

    def fields_feeding(self, flag: str) -> tuple[FieldDef, ...]:
        return self._cached(
            f"feeds:{flag}", lambda: tuple(f for f in self.iter_fields() if flag in f.feeds)
        )

    def requirement_fields(self) -> tuple[FieldDef, ...]:
        """Fields that are always required or required under a condition, in order."""
        return self._cached(
            "required",
            lambda: tuple(
                f for f in self.iter_fields() if f.required or f.required_when is not None
            ),
        )


def build_section(
    key: str, number: int, title: str, help: str, fields: list[FieldDef]
) -> SectionDef:
    """Make a section, giving each field its full path."""
    import dataclasses

    done: list[FieldDef] = []
    seen: set[str] = set()
    for f in fields:
        if f.key in seen:
            raise ValueError(f"duplicate field {key}.{f.key}")
        seen.add(f.key)
        items = tuple(dataclasses.replace(i, path=f"{key}.{f.key}.{i.key}") for i in f.item_fields)
        done.append(dataclasses.replace(f, path=f"{key}.{f.key}", item_fields=items))
    return SectionDef(key=key, number=number, title=title, help=help, fields=tuple(done))


def build_framework(
    framework_id: str, version: int, title: str, sections: list[SectionDef]
) -> Framework:
    index: dict[str, FieldDef] = {}
    for s in sections:
        for f in s.fields:
            index[f.path] = f
    fw = Framework(
        id=framework_id, version=version, title=title, sections=tuple(sections), _index=index
    )
    for f in fw.iter_fields():
        if f.required_when is not None and f.required_when.path not in index:
            raise ValueError(f"{f.path}: condition names unknown field {f.required_when.path}")
    return fw
