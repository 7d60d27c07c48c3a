"""The JSON interchange format for one record: what export embeds and import reads.

Shape (see docs/record.schema.json, generated from the framework by :func:`json_schema`)::

    {"format": "transitions-record", "format_version": 1,
     "framework": {"id": "eyfs-school-readiness", "version": 1},
     "record": {"id", "status", "export_version", "created", "updated", "signoffs", "provenance",
                "typed"?, "exported_digest"?, "family_returns"?},
     "sections": {"child": {"legal_forenames": "…", …}, …},
     "pictures": [{"id", "media_type", "width", "height", "caption", "data": base64}]}

Format version 2 adds the child's pictures and the family forms read into the record
(``family_returns``); a record without either is still written as version 1, so older apps keep
reading it, and a version-1 record (which has neither) loads as before.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from models.errors import InputRefused, InterchangeError
from models.framework.definition import FieldDef, Framework, Kind
from models.framework.registry import get_framework
from models.pictures import MAX_CAPTION, MAX_PICTURES, pictures_from_json, pictures_to_json
from models.record import (
    RECORD_ID_PATTERN,
    FamilyReturn,
    FamilySource,
    Record,
    SignOff,
    SignOffScope,
    Status,
    is_record_id,
)
from models.roles import Role
from models.safe_input import load_json
from models.values import PERSON_KEYS, from_json_value, to_json_value

FORMAT = "transitions-record"
FORMAT_VERSION = 2  # the newest this app reads; see record_to_dict for what it writes
MAX_FAMILY_RETURNS = 200
MAX_JSON_BYTES = 5 * 1024 * 1024
#: The highest export version a record can carry: each export adds one, and no child's record is
#: exported ten thousand times. A larger number in a file is a forgery or damage.
MAX_EXPORT_VERSION = 9_999
MAX_SIGNOFFS = 50
MAX_TYPED_ENTRIES = 1000
MAX_TYPED_TEXT = 200
_DIGEST = re.compile(r"^(|[0-9a-f]{64})$")


def record_to_dict(record: Record) -> dict[str, Any]:
    fw = get_framework(record.framework_id, record.framework_version)
    sections: dict[str, dict[str, Any]] = {}
    for section in fw.sections:
        out: dict[str, Any] = {}
        for fd in section.fields:
            value = record.get(fd.path)
            if value is not None:
                out[fd.key] = to_json_value(fd, value)
        if out:
            sections[section.key] = out
    meta: dict[str, Any] = {
        "id": record.id,
        "status": record.status.value,
        "export_version": record.export_version,
        "created": record.created.isoformat(),
        "updated": record.updated.isoformat(),
        "signoffs": [_signoff_to_dict(s) for s in record.signoffs],
        "provenance": dict(sorted(record.provenance.items())),
    }
    if record.typed:
        meta["typed"] = dict(sorted(record.typed.items()))
    if record.exported_digest:
        meta["exported_digest"] = record.exported_digest
    if record.exported_on is not None:
        meta["exported_on"] = record.exported_on.isoformat()
    if record.family_returns:
        meta["family_returns"] = [_family_return_to_json(r) for r in record.family_returns]
    data: dict[str, Any] = {
        "format": FORMAT,
        "format_version": 2 if record.pictures or record.family_returns else 1,
        "framework": {"id": record.framework_id, "version": record.framework_version},
        "record": meta,
        "sections": sections,
    }
    if record.pictures:
        data["pictures"] = pictures_to_json(record.pictures)
    return data


def _family_return_to_json(item: FamilyReturn) -> dict[str, Any]:
    out: dict[str, Any] = {
        "serial": item.serial,
        "returned_on": item.returned_on.isoformat(),
        "source": item.source.value,
        "fields": list(item.fields),
    }
    if item.issued_on is not None:
        out["issued_on"] = item.issued_on.isoformat()
    if item.entered_by:
        out["entered_by"] = item.entered_by
    return out


def _family_returns_from_json(raw: Any) -> tuple[FamilyReturn, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_FAMILY_RETURNS:
        raise InterchangeError("The record's family forms must be a list.")
    out: list[FamilyReturn] = []
    for item in raw:
        try:
            fields = item.get("fields", [])
            entered_by = item.get("entered_by", "")
            serial = item["serial"]
            if (
                not isinstance(serial, str)
                or not 1 <= len(serial) <= 64
                or not isinstance(fields, list)
                or not all(isinstance(f, str) and len(f) <= 200 for f in fields)
                or not isinstance(entered_by, str)
                or len(entered_by) > MAX_CAPTION
            ):
                raise ValueError
            issued = item.get("issued_on")
            out.append(
                FamilyReturn(
                    serial=serial,
                    returned_on=date.fromisoformat(item["returned_on"]),
                    source=FamilySource(item["source"]),
                    fields=tuple(fields),
                    issued_on=date.fromisoformat(issued) if issued is not None else None,
                    entered_by=entered_by,
                )
            )
        except (KeyError, ValueError, TypeError, AttributeError):
            raise InterchangeError(
                "One of the record's family forms is incomplete or not valid."
            ) from None
    return tuple(out)


def _signoff_to_dict(s: SignOff) -> dict[str, Any]:
    out: dict[str, Any] = {
        "scope": s.scope.value,
        "name": s.name,
        "role": s.role.value,
        "signed_on": s.signed_on.isoformat(),
    }
    if s.digest:
        out["digest"] = s.digest
    if s.history:
        out["history"] = True
    if s.login:
        out["login"] = s.login
    return out


def record_to_bytes(record: Record) -> bytes:
    return json.dumps(
        record_to_dict(record), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def record_to_pretty_json(record: Record) -> str:
    return json.dumps(record_to_dict(record), ensure_ascii=False, indent=2)


def _need(obj: Any, key: str, typ: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise InterchangeError(f"The record's JSON has no “{key}” in {where}.")
    value = obj[key]
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise InterchangeError(f"The record's JSON has a wrong “{key}” in {where}.")
    return value


def _parse_datetime(text: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InterchangeError(f"The record's {what} time is not a valid date and time.") from None


def _optional_date(value: Any, what: str) -> date | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InterchangeError(
            f"The record's {what} date is not a valid date (YYYY-MM-DD)."
        ) from None


def record_from_dict(data: Any) -> Record:
    if not isinstance(data, dict):
        raise InterchangeError("The file is not a transition record: its JSON is not an object.")
    if data.get("format") != FORMAT:
        raise InterchangeError(
            "The file is not a transition record (its format is not “transitions-record”)."
        )
    fmt_version = _need(data, "format_version", int, "the file")
    if fmt_version > FORMAT_VERSION:
        raise InterchangeError(
            f"The record uses interchange format {fmt_version}, newer than this app understands; update Transitions."
        )
    fwinfo = _need(data, "framework", dict, "the file")
    fw = get_framework(
        _need(fwinfo, "id", str, "framework"), _need(fwinfo, "version", int, "framework")
    )
    meta = _need(data, "record", dict, "the file")
    try:
        status = Status(_need(meta, "status", str, "record"))
    except ValueError:
        raise InterchangeError("The record's status is not one this app knows.") from None
    export_version = _need(meta, "export_version", int, "record")
    if not 0 <= export_version <= MAX_EXPORT_VERSION:
        raise InterchangeError(
            f"The record's export version {export_version} is not possible "
            f"(it is between 0 and {MAX_EXPORT_VERSION})."
        )
    signoffs: list[SignOff] = []
    raw_signoffs = _need(meta, "signoffs", list, "record")
    if len(raw_signoffs) > MAX_SIGNOFFS:
        raise InterchangeError("The record has more sign-offs than a record can have.")
    for raw in raw_signoffs:
        try:
            digest = raw.get("digest", "")
            history = raw.get("history", False)
            login = raw.get("login", "")
            if (
                not isinstance(digest, str)
                or not _DIGEST.match(digest)
                or not isinstance(history, bool)
            ):
                raise ValueError
            if not isinstance(login, str):
                raise ValueError
            signoffs.append(
                SignOff(
                    scope=SignOffScope(raw["scope"]),
                    name=_short(raw["name"]),
                    role=Role(raw["role"]),
                    signed_on=date.fromisoformat(raw["signed_on"]),
                    digest=digest,
                    history=history,
                    login=_short(login) if login else "",
                )
            )
        except (KeyError, ValueError, TypeError, AttributeError):
            raise InterchangeError(
                "One of the record's sign-offs is incomplete or not valid."
            ) from None
    exported_digest = meta.get("exported_digest", "")
    if not isinstance(exported_digest, str) or not _DIGEST.match(exported_digest):
        raise InterchangeError("The record's export digest is not valid.")
    exported_on = _optional_date(meta.get("exported_on"), "last export")
    provenance = meta.get("provenance", {})
    if not isinstance(provenance, dict) or not all(isinstance(v, str) for v in provenance.values()):
        raise InterchangeError("The record's provenance must map fields to text.")
    record_id = _need(meta, "id", str, "record")
    if not is_record_id(record_id):
        raise InterchangeError(
            "The record's id is not a record id (a UUID such as 1b4e28ba-2fa1-41d2-883f-0016d3cca427)."
        )
    pictures = pictures_from_json(data["pictures"]) if "pictures" in data else ()
    returns = _family_returns_from_json(meta["family_returns"]) if "family_returns" in meta else ()
    record = Record(
        framework_id=fw.id,
        framework_version=fw.version,
        id=record_id,
        pictures=pictures,
        family_returns=returns,
        status=status,
        export_version=export_version,
        signoffs=signoffs,
        created=_parse_datetime(_need(meta, "created", str, "record"), "creation"),
        updated=_parse_datetime(_need(meta, "updated", str, "record"), "last change"),
        provenance=dict(provenance),
        exported_digest=exported_digest,
        exported_on=exported_on,
    )
    sections = _need(data, "sections", dict, "the file")
    known = {s.key for s in fw.sections}
    for key, values in sections.items():
        if key not in known:
            raise InterchangeError(
                f"The record has a section “{key}” that framework version {fw.version} does not have."
            )
        if not isinstance(values, dict):
            raise InterchangeError(f"The record's section “{key}” is not an object.")
        section = fw.section(key)
        fields = {f.key: f for f in section.fields}
        for fkey, raw_value in values.items():
            if fkey not in fields:
                raise InterchangeError(
                    f"The record has a field “{key}.{fkey}” that framework version {fw.version} does not have."
                )
            record.set(fields[fkey].path, from_json_value(fields[fkey], raw_value))
    for path, text in _typed(meta, fw).items():
        record.values.pop(path, None)
        record.typed[path] = text
    return record


def _short(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError
    return value


def _typed(meta: dict[str, Any], fw: Framework) -> dict[str, str]:
    """Text kept as typed: each key a field path (or a list entry's item), each text short."""
    typed = meta.get("typed", {})
    if not isinstance(typed, dict) or len(typed) > MAX_TYPED_ENTRIES:
        raise InterchangeError("The record's typed text must map fields to short text.")
    out: dict[str, str] = {}
    for path, text in typed.items():
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TYPED_TEXT:
            raise InterchangeError("The record's typed text must map fields to short text.")
        section, _, rest = str(path).partition(".")
        key, _, item = rest.partition(".")
        field_path = f"{section}.{key}"
        ok = fw.has_field(field_path)
        if ok and item:
            index, _, sub = item.partition(".")
            fd = fw.field(field_path)
            ok = (
                fd.kind is Kind.LIST
                and index.isdigit()
                and int(index) < MAX_TYPED_ENTRIES
                and any(f.key == sub for f in fd.item_fields)
            )
        if not ok:
            raise InterchangeError(f"The record has typed text for “{path}”, which is not a field.")
        out[str(path)] = text
    return out


def record_from_bytes(data: bytes) -> Record:
    if len(data) > MAX_JSON_BYTES:
        raise InterchangeError("The record's JSON is too large to be a transition record.")
    try:
        parsed = load_json(data, what="The record's JSON")
    except InputRefused as exc:
        raise InterchangeError(str(exc)) from None
    return record_from_dict(parsed)


# ---------------------------------------------------------------------------------------------
# JSON Schema, generated from the framework so it can never drift from it.


def _field_schema(fd: FieldDef) -> dict[str, Any]:
    base: dict[str, Any] = {"title": fd.label}
    if fd.help:
        base["description"] = fd.help
    kind = fd.kind
    if kind in (Kind.TEXT, Kind.NOTE):
        base.update(type="string", maxLength=20_000)
    elif kind in (Kind.CHOICE, Kind.SCALE):
        base.update(type="string", enum=list(fd.option_values()))
    elif kind is Kind.MULTI:
        base.update(type="array", items={"type": "string", "enum": list(fd.option_values())})
    elif kind is Kind.YESNO:
        base.update(type="boolean")
    elif kind is Kind.NUMBER:
        base.update(type="integer")
        if fd.minimum is not None:
            base["minimum"] = fd.minimum
        if fd.maximum is not None:
            base["maximum"] = fd.maximum
        if fd.step:
            base["multipleOf"] = fd.step
    elif kind is Kind.DATE:
        base.update(type="string", format="date")
    elif kind is Kind.PERSON:
        base.update(
            type="object",
            properties={k: {"type": "string"} for k in PERSON_KEYS},
            additionalProperties=False,
        )
    elif kind is Kind.LIST:
        base.update(
            type="array",
            items={
                "type": "object",
                "properties": {sub.key: _field_schema(sub) for sub in fd.item_fields},
                "additionalProperties": False,
            },
        )
    return base


def json_schema(framework: Framework) -> dict[str, Any]:
    sections = {
        s.key: {
            "title": f"{s.number}. {s.title}",
            "type": "object",
            "properties": {fd.key: _field_schema(fd) for fd in s.fields},
            "additionalProperties": False,
        }
        for s in framework.sections
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:transitions:record:{framework.id}:v{framework.version}",
        "title": f"Transition record ({framework.title}, version {framework.version})",
        "type": "object",
        "required": ["format", "format_version", "framework", "record", "sections"],
        "properties": {
            "format": {"const": FORMAT},
            "format_version": {"type": "integer", "minimum": 1},
            "framework": {
                "type": "object",
                "required": ["id", "version"],
                "properties": {
                    "id": {"const": framework.id},
                    "version": {"const": framework.version},
                },
            },
            "record": {
                "type": "object",
                "required": ["id", "status", "export_version", "created", "updated", "signoffs"],
                "properties": {
                    "id": {"type": "string", "pattern": f"^{RECORD_ID_PATTERN.pattern}$"},
                    "status": {"enum": [s.value for s in Status]},
                    "export_version": {
                        "type": "integer",
                        "minimum": 0,
                        "maximum": MAX_EXPORT_VERSION,
                    },
                    "created": {"type": "string", "format": "date-time"},
                    "updated": {"type": "string", "format": "date-time"},
                    "signoffs": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["scope", "name", "role", "signed_on"],
                            "properties": {
                                "scope": {"enum": [s.value for s in SignOffScope]},
                                "name": {"type": "string"},
                                "role": {"enum": [r.value for r in Role]},
                                "signed_on": {"type": "string", "format": "date"},
                                "digest": {
                                    "type": "string",
                                    "pattern": "^[0-9a-f]{64}$",
                                    "description": "SHA-256 of the signed scope's content when signed",
                                },
                                "history": {
                                    "type": "boolean",
                                    "description": "kept only as history: never a valid sign-off",
                                },
                                "login": {
                                    "type": "string",
                                    "description": "the signer's login, when name is their display name",
                                },
                            },
                        },
                    },
                    "provenance": {"type": "object", "additionalProperties": {"type": "string"}},
                    "typed": {
                        "type": "object",
                        "description": "text typed that is not a value of its field, by path (never in an export)",
                        "additionalProperties": {"type": "string", "maxLength": MAX_TYPED_TEXT},
                    },
                    "exported_digest": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "exported_on": {
                        "type": "string",
                        "format": "date",
                        "description": "the day the last export of the record was made",
                    },
                    "family_returns": {
                        "description": "Family forms read into the record (format version 2): "
                        "the form's serial, when it came back, whether as the fillable form or "
                        "entered from the paper form, and the answers it changed.",
                        "type": "array",
                        "maxItems": MAX_FAMILY_RETURNS,
                        "items": {
                            "type": "object",
                            "required": ["serial", "returned_on", "source", "fields"],
                            "properties": {
                                "serial": {"type": "string", "maxLength": 64},
                                "returned_on": {"type": "string", "format": "date"},
                                "issued_on": {"type": "string", "format": "date"},
                                "source": {"enum": [s.value for s in FamilySource]},
                                "fields": {"type": "array", "items": {"type": "string"}},
                                "entered_by": {"type": "string", "maxLength": MAX_CAPTION},
                            },
                            "additionalProperties": False,
                        },
                    },
                },
            },
            "sections": {"type": "object", "properties": sections, "additionalProperties": False},
            "pictures": {
                "description": "The child's drawings and photos for All about me (format "
                "version 2): PNG or JPEG re-encoded without any metadata, base64.",
                "type": "array",
                "maxItems": MAX_PICTURES,
                "items": {
                    "type": "object",
                    "required": ["id", "media_type", "width", "height", "data"],
                    "properties": {
                        "id": {"type": "string", "maxLength": 64},
                        "media_type": {"enum": ["image/png", "image/jpeg"]},
                        "width": {"type": "integer", "minimum": 1},
                        "height": {"type": "integer", "minimum": 1},
                        "caption": {"type": "string", "maxLength": MAX_CAPTION},
                        "added_on": {"type": "string", "format": "date"},
                        "data": {"type": "string", "contentEncoding": "base64"},
                    },
                    "additionalProperties": False,
                },
            },
        },
    }
