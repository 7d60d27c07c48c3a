"""Read a charter's TOML text into a :class:`~models.charter.model.Charter`.

The format is documented in docs/charter-format.md. Parsing is strict: an unknown key, a missing
one or a value of the wrong type is refused with a sentence naming the table and key, because a
typo in a hand-edited charter must not silently switch a rule off.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from models.charter.model import (
    DEFAULT_LEFT_ON_PATH,
    RECORD_STATUS_PATH,
    Charter,
    ConsentPolicy,
    Contact,
    Deadline,
    ExportPolicy,
    FrameworkAcceptance,
    Identity,
    RequiredItem,
    RetentionPolicy,
    School,
    SignatureLevel,
    SignOffPolicy,
)
from models.errors import CharterInvalid, CharterUnreadable, InputRefused, UnknownFramework
from models.framework.definition import Condition, Framework, Kind
from models.framework.registry import get_framework
from models.record import SignOffScope, Status
from models.safe_input import load_toml

FORMAT_VERSION = 1
_PATH = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_URN = re.compile(r"^\d{6,7}$")


class _Table:
    """One TOML table being read; remembers which keys were used so leftovers can be refused."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, Mapping):
            raise CharterInvalid(f"The charter's {where} must be a table.")
        self.data: Mapping[str, Any] = data
        self.where = where
        self.used: set[str] = set()

    def _get(self, key: str, required: bool) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                raise CharterInvalid(f"The charter's {self.where} is missing “{key}”.")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            raise CharterInvalid(f"The charter's {self.where} “{key}” must be non-empty text.")
        return value.strip()

    def flag(self, key: str, *, required: bool = True, default: bool = False) -> bool:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise CharterInvalid(f"The charter's {self.where} “{key}” must be true or false.")
        return value

    def number(self, key: str, *, lo: int, hi: int) -> int:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise CharterInvalid(
                f"The charter's {self.where} “{key}” must be a whole number from {lo} to {hi}."
            )
        return value

    def day(self, key: str) -> dt.date:
        value = self._get(key, True)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise CharterInvalid(f"The charter's {self.where} “{key}” must be a date like 2026-09-01.")

    def items(self, key: str, *, required: bool = False) -> list[Any]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise CharterInvalid(f"The charter's {self.where} “{key}” must be a list.")
        return value

    def sub(self, key: str, *, required: bool = True) -> _Table:
        value = self._get(key, required)
        return _Table(
            {} if value is None else value,
            f"[{key}]" if self.where == "file" else f"{self.where[:-1]}.{key}]",
        )

    def condition(self, key: str) -> Condition | None:
        value = self._get(key, False)
        if value is None:
            return None
        return _condition(value, f"{self.where} “{key}”")

    def done(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise CharterInvalid(
                f"The charter's {self.where} has unknown key(s): {', '.join(extra)}."
            )


def _path(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _PATH.match(value.strip()):
        raise CharterInvalid(
            f"The charter's {where} must name a field as “section.field” or a section as “section”."
        )
    return value.strip()


def _condition(value: Any, where: str) -> Condition:
    t = _Table(value, where)
    path = _path(t._get("path", True), where)
    any_of = t.items("any_of")
    is_set = t.flag("is_set", required=False)
    t.done()
    if bool(any_of) == is_set:
        raise CharterInvalid(
            f"The charter's {where} must give either any_of = [...] or is_set = true, not both or neither."
        )
    if not all(isinstance(v, (str, bool)) for v in any_of):
        raise CharterInvalid(f"The charter's {where} any_of must list text values.")
    values = tuple(("yes" if v else "no") if isinstance(v, bool) else v for v in any_of)
    return Condition(path=path, any_of=values, is_set=is_set)


def _enum_list(values: list[Any], enum: type[SignOffScope], where: str) -> tuple[SignOffScope, ...]:
    out: list[SignOffScope] = []
    allowed = ", ".join(e.value for e in enum)
    for v in values:
        try:
            out.append(enum(v))
        except ValueError:
            raise CharterInvalid(f"The charter's {where} lists “{v}”; use {allowed}.") from None
    return tuple(out)


def parse_charter(source: str | bytes) -> Charter:
    """Parse an (unsigned) charter's TOML text. Raises :class:`CharterInvalid` with the reason."""
    try:
        data = load_toml(source, what="The charter file")
    except InputRefused as exc:
        raise CharterUnreadable(str(exc)) from None

    top = _Table(data, "file")
    fmt = top._get("format", True)
    if fmt != FORMAT_VERSION:
        raise CharterInvalid(
            f"The charter's format is {fmt!r}; this app reads format {FORMAT_VERSION}."
        )

    c = top.sub("charter")
    identity = Identity(
        id=c.text("id"),
        title=c.text("title"),
        issuing_la=c.text("issuing_la"),
        version=c.text("version"),
        in_force=c.day("in_force"),
        expires=c.day("expires"),
    )
    c.done()
    if identity.expires < identity.in_force:
        raise CharterInvalid("The charter expires before it comes into force.")

    f = top.sub("framework")
    versions = f.items("versions", required=True)
    if not versions or not all(isinstance(v, int) and not isinstance(v, bool) for v in versions):
        raise CharterInvalid(
            "The charter's [framework] “versions” must list whole numbers, e.g. [1]."
        )
    framework = FrameworkAcceptance(id=f.text("id"), versions=tuple(versions))
    f.done()

    required: list[RequiredItem] = []
    for n, raw in enumerate(top.items("required"), 1):
        r = _Table(raw, f"[[required]] entry {n}")
        required.append(
            RequiredItem(
                path=_path(r._get("path", True), r.where),
                reason=r.text("reason"),
                when=r.condition("when"),
            )
        )
        r.done()

    deadlines: list[Deadline] = []
    for n, raw in enumerate(top.items("deadlines"), 1):
        d = _Table(raw, f"[[deadlines]] entry {n}")
        name = d.text("name")
        month = d.number("month", lo=1, hi=12)
        day = d.number("day", lo=1, hi=31)
        try:
            dt.date(2028, month, day)  # a leap year, so 29 February is allowed
        except ValueError:
            raise CharterInvalid(f"The charter's deadline “{name}” is not a real date.") from None
        if (month, day) == (2, 29):
            raise CharterInvalid(f"The charter's deadline “{name}” may not fall on 29 February.")
        deadlines.append(
            Deadline(
                name=name,
                month=month,
                day=day,
                applies_when=d.condition("applies_when"),
                done_when=d.condition("done_when"),
                note=d.text("note", required=False),
            )
        )
        d.done()

    k = top.sub("consent")
    sections = k.items("separate_consent_sections")
    consent = ConsentPolicy(
        required_before_export=k.flag("required_before_export"),
        separate_consent_sections=tuple(
            _path(s, "[consent] separate_consent_sections") for s in sections
        ),
        withdrawal_blocks_export=k.flag("withdrawal_blocks_export", required=False, default=True),
    )
    k.done()

    s = top.sub("signoff")
    scopes = _enum_list(s.items("scopes", required=True), SignOffScope, "[signoff] scopes")
    w = s.sub("when", required=False)
    when: list[tuple[SignOffScope, Any]] = []
    for key in list(w.data):
        (scope,) = _enum_list([key], SignOffScope, "[signoff.when]")
        if scope not in scopes:
            raise CharterInvalid(
                f"The charter's [signoff.when] gives a condition for “{key}”, which is not in scopes."
            )
        cond = w.condition(key)
        if cond is not None:
            when.append((scope, cond))
    w.done()
    signoff = SignOffPolicy(scopes=scopes, when=tuple(when))
    s.done()

    e = top.sub("export")
    level_text = e.text("signature_level")
    try:
        level = SignatureLevel(level_text)
    except ValueError:
        allowed = ", ".join(v.value for v in SignatureLevel)
        raise CharterInvalid(
            f"The charter's [export] signature_level “{level_text}” is not one of {allowed}."
        ) from None
    export = ExportPolicy(
        encrypt_for_recipient=e.flag("encrypt_for_recipient"),
        signature_level=level,
        handling_note=e.text("handling_note"),
    )
    e.done()

    r = top.sub("retention")
    retention = RetentionPolicy(
        years_after_leaving=r.number("years_after_leaving", lo=0, hi=100),
        left_on_path=_path(r._get("left_on", False) or DEFAULT_LEFT_ON_PATH, "[retention] left_on"),
        action=r.text("action", required=False),
    )
    r.done()

    schools: list[School] = []
    seen: set[str] = set()
    for n, raw in enumerate(top.items("schools"), 1):
        sc = _Table(raw, f"[[schools]] entry {n}")
        urn = sc.text("urn")
        if not _URN.match(urn):
            raise CharterInvalid(f"The charter's {sc.where} URN “{urn}” must be 6 or 7 digits.")
        if urn in seen:
            raise CharterInvalid(f"The charter lists the school URN {urn} twice.")
        seen.add(urn)
        pem = sc.text("encryption_cert", required=False) or None
        if pem is not None and not pem.startswith("-----BEGIN CERTIFICATE-----"):
            raise CharterInvalid(
                f"The charter's {sc.where} encryption_cert must be a PEM certificate."
            )
        schools.append(
            School(name=sc.text("name"), urn=urn, email=sc.text("email"), encryption_cert_pem=pem)
        )
        sc.done()

    la = top.sub("la_contact")
    contact = Contact(
        name=la.text("name"), email=la.text("email"), phone=la.text("phone", required=False)
    )
    la.done()

    t = top.sub("targets", required=False)
    gld_raw = t._get("good_level_of_development_percent", False)
    if gld_raw is not None and (
        isinstance(gld_raw, bool)
        or not isinstance(gld_raw, (int, float))
        or not 0 <= gld_raw <= 100
    ):
        raise CharterInvalid(
            "The charter's [targets] good_level_of_development_percent must be 0 to 100."
        )
    t.done()
    top.done()

    charter = Charter(
        identity=identity,
        framework=framework,
        required=tuple(required),
        deadlines=tuple(deadlines),
        consent=consent,
        signoff=signoff,
        export=export,
        retention=retention,
        schools=tuple(schools),
        la_contact=contact,
        gld_target_percent=float(gld_raw) if gld_raw is not None else None,
    )
    check_against_framework(charter)
    return charter


def _check_condition(fw: Framework, cond: Condition | None, where: str) -> None:
    if cond is None or cond.path == RECORD_STATUS_PATH:
        if cond is not None and not set(cond.any_of) <= {s.value for s in Status}:
            raise CharterInvalid(
                f"The charter's {where} names a record status that does not exist."
            )
        return
    if not fw.has_field(cond.path):
        raise CharterInvalid(f"The charter's {where} names “{cond.path}”, which is not a field.")
    fd = fw.field(cond.path)
    allowed = set(fd.option_values()) | ({"yes", "no"} if fd.kind is Kind.YESNO else set())
    unknown = sorted(set(cond.any_of) - allowed)
    if unknown and (fd.options or fd.kind is Kind.YESNO):
        raise CharterInvalid(
            f"The charter's {where} lists “{unknown[0]}”, which “{cond.path}” can never hold."
        )


def check_against_framework(charter: Charter) -> None:
    """Refuse a framework (or version) this app does not know, and paths and values the
    accepted framework versions do not have (typos would otherwise switch a rule off). A charter
    naming a version this app does not know cannot be checked, so it is refused: update the app."""
    for version in charter.framework.versions:
        try:
            fw = get_framework(charter.framework.id, version)
        except UnknownFramework:
            raise CharterInvalid(
                f"The charter accepts framework “{charter.framework.id}” version {version}, which "
                "this app does not know; update Transitions (or ask the LA to correct the charter)."
            ) from None
        sections = {s.key for s in fw.sections}
        for n, item in enumerate(charter.required, 1):
            where = f"[[required]] entry {n}"
            if not (fw.has_field(item.path) or (item.is_section and item.path in sections)):
                raise CharterInvalid(
                    f"The charter's {where} names “{item.path}”, which framework version "
                    f"{version} does not have."
                )
            _check_condition(fw, item.when, f"{where} condition")
        for d in charter.deadlines:
            _check_condition(fw, d.applies_when, f"deadline “{d.name}” applies_when")
            _check_condition(fw, d.done_when, f"deadline “{d.name}” done_when")
        for key in charter.consent.separate_consent_sections:
            if key not in sections:
                raise CharterInvalid(
                    f"The charter's [consent] names “{key}”, which is not a section."
                )
        for scope, cond in charter.signoff.when:
            _check_condition(fw, cond, f"[signoff.when] {scope.value}")
        left = charter.retention.left_on_path
        if not fw.has_field(left) or fw.field(left).kind is not Kind.DATE:
            raise CharterInvalid(f"The charter's [retention] left_on “{left}” is not a date field.")
