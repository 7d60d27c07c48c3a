"""`demo` and `records list|show|set|sign-off|new|import|attach|retention`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from models.errors import InterchangeError, SignOffRefused
from models.safe_output import shown_name
from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    PASSWORD_ENV,
    CliError,
    Group,
    Result,
    Subparsers,
    add_db_arg,
    add_json_arg,
    add_vault_args,
    add_vault_db_json,
    arg,
    command,
    open_vault,
    read_input,
    read_secret,
)
from transitions_app.cli.family_cmd import run_attach
from transitions_app.locations import vault_dir


@command(
    "demo",
    "create a demo vault of synthetic, fictional children",
    lambda p: add_vault_args(p, user=False),
    arg("--children", type=int, default=38, metavar="N", help="how many children (default 38)"),
    arg("--seed", type=int, default=1, metavar="S", help="random seed (default 1)"),
    arg(
        "--la",
        metavar="DIR",
        type=Path,
        help="make a demo LA folder (CA and a year of returns from fictional settings and schools); "
        "with --la only, no vault is made",
    ),
)
def run_demo(args: argparse.Namespace) -> Result:
    from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
    from transitions_app.services.vault_service import VaultService

    if args.children < 0 or args.children > 5000:
        raise CliError("Choose between 0 and 5000 children.")
    if args.la is not None:
        from transitions_app.services.la_demo import create_demo_la

        made = create_demo_la(args.la, seed=args.seed)
        # Said at once: the LA folder is made even when the vault below is refused.
        print(
            f"Created a demo LA folder in {made.folder}: returns from {made.settings} fictional "
            f"settings and {made.schools} schools. See it with: transitions-app la report "
            f"--ca {made.ca} {made.returns} --out report.pdf"
        )
        if args.vault is None:
            return Result()
    directory = vault_dir(args)
    if VaultService.exists(directory):
        raise CliError(f"A vault already exists in {directory}; choose another folder.")
    if args.password_file is not None or os.environ.get(PASSWORD_ENV):
        password = read_secret(args.password_file)
    else:
        password = DEMO_PASSWORD
    info = create_demo_vault(directory, password=password, children=args.children, seed=args.seed)
    return Result(
        text=f"Created a demo vault of {info.children} fictional children in {directory}.\n"
        "Users: manager, keyperson, senco, dsl"
        + (f" (password “{password}”)." if password == DEMO_PASSWORD else ".")
    )


def _summary_row(record, service, charter) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from models.flags import derive_flags

    flags = derive_flags(record)
    return {
        "id": record.id,
        "name": record.display_name,
        "school": record.get("child.school_name") or "",
        "school_urn": record.get("child.school_urn") or "",
        "status": record.status.value,
        "export_version": record.export_version,
        "completeness": service.readiness(record, charter).percent,
        "flags": flags.badges(),
    }


@command("list", "list the records in a vault", add_vault_db_json)
def run_list(args: argparse.Namespace) -> Result:
    with open_vault(args) as service:
        charter = service.charter()
        rows = [_summary_row(r, service, charter) for r in service.list_records()]
        damaged = service.damaged_records()
    rows.sort(key=lambda r: str(r["name"]).lower())
    lines = [
        f"{row['id']}  {row['name']:<28} {row['status']:<20} {row['completeness']:>3}%  "
        + (", ".join(row["flags"]) if row["flags"] else "")  # type: ignore[arg-type]
        for row in rows
    ]
    lines.append(
        f"{len(rows)} records"
        + (f"; {len(damaged)} damaged: {', '.join(damaged)}" if damaged else "")
    )
    return Result(json={"records": rows, "damaged": damaged}, text="\n".join(lines))


def _record_json(record: Any, ready: Any) -> dict[str, Any]:
    from models.interchange import record_to_dict

    data = record_to_dict(record)
    for shown, state in zip(data["record"]["signoffs"], ready.signoffs, strict=True):
        shown["valid"] = state.valid
    data["record"]["missing"] = [{"path": m.path, "message": m.message} for m in ready.items]
    return data


def _record_text(record: Any, ready: Any) -> str:
    from models.framework.registry import get_framework
    from models.values import display_value

    fw = get_framework(record.framework_id, record.framework_version)
    lines = [
        f"{record.display_name} ({record.status.label}, export version {record.export_version})"
    ]
    for section in fw.sections:
        fields = [
            f"  {fd.label}: {display_value(fd, record.get(fd.path))}"
            for fd in section.fields
            if record.get(fd.path) is not None
        ]
        if fields:
            lines.append(f"{section.number}. {section.title}")
            lines.extend(fields)
    lines.extend(f"{state.scope.label}: {state.describe()}" for state in ready.signoffs)
    if ready.items:
        lines.append(f"Stops sign-off or export ({len(ready.items)}):")
        lines.extend(f"  {m.message}" for m in ready.items)
    else:
        lines.append("Nothing missing: this record may be exported.")
    return "\n".join(lines)


@command("show", "show one record", arg("record_id", metavar="ID"), add_vault_db_json)
def run_show(args: argparse.Namespace) -> Result:
    with open_vault(args) as service:
        record = service.load(args.record_id)
        ready = service.readiness(record)
    return Result(
        json=lambda: _record_json(record, ready), text=lambda: _record_text(record, ready)
    )


def _parse_assignments(record: Any, assignments: list[str]) -> list[str]:
    """Apply PATH=VALUE changes to ``record``; returns the paths changed."""
    from models.entry import value_from_text
    from models.framework.registry import get_framework

    fw = get_framework(record.framework_id, record.framework_version)
    paths = []
    for assignment in assignments:
        path, sep, text = assignment.partition("=")
        path = path.strip()
        if not sep or not path:
            raise CliError(
                f"Write each change as PATH=VALUE (for example summary.day_one=Loves trains), not “{assignment[:60]}”."
            )
        if not fw.has_field(path):
            raise CliError(
                f"“{path[:80]}” is not a field of a {fw.title} version {fw.version} record (see docs/record.schema.json)."
            )
        try:
            value = value_from_text(fw.field(path), text)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        record.set(path, value)
        paths.append(path)
    return paths


@command(
    "set",
    "set fields of a record by their paths (same rules as the window)",
    arg("record_id", metavar="ID"),
    arg("assignments", metavar="PATH=VALUE", nargs="+"),
    add_vault_db_json,
    description="Each change is PATH=VALUE, PATH being a field's path as in the record's JSON "
    "(summary.day_one, child.upn, child.date_of_birth). Dates are typed day first (15/03/2021) "
    "or as 2021-03-15; choices by their value or label; yes/no fields yes or no; a person as "
    "name, role, organisation, contact; lists as JSON. An empty VALUE clears the field. A value "
    "that is kept but not valid (a wrong UPN, 31/02/2021) is reported and stops sign-off and "
    "export until it is fixed.",
)
def run_set(args: argparse.Namespace) -> Result:
    with open_vault(args) as service:
        before = service.load(args.record_id)
        record = before.copy()
        paths = _parse_assignments(record, args.assignments)
        saved = service.save(record)
        was = {st.scope: st.valid for st in service.readiness(before).signoffs}
        ready = service.readiness(saved)
    problems = [m for m in ready.items if m.kind == "problem" and m.path in paths]
    changes = [
        st.describe()
        for st in ready.signoffs
        if not st.signoff.history and was.get(st.scope) is not None and was[st.scope] != st.valid
    ]
    return Result(
        json={
            "id": saved.id,
            "status": saved.status.value,
            "set": paths,
            "problems": [{"path": m.path, "message": m.message} for m in problems],
            "signoffs": [{"scope": st.scope.value, "valid": st.valid} for st in ready.signoffs],
        },
        text="\n".join(
            [
                f"Saved {saved.display_name} ({saved.status.label}).",
                *(f"{line}." for line in changes),
            ]
        ),
        errors="\n".join(
            f"Kept, but not valid: {m.message} It stops sign-off and export until it is fixed."
            for m in problems
        ),
    )


@command(
    "sign-off",
    "give a sign-off: the record (practitioner), send (SENCO review of section 8) or manager",
    arg("record_id", metavar="ID"),
    arg("--scope", required=True, choices=("record", "send", "manager")),
    add_vault_db_json,
    description="Exit 0 when the sign-off is recorded; exit 1, with what is missing, while what it "
    "covers is incomplete or not valid. A sign-off stays valid while the content it covers is "
    "unchanged.",
)
def run_sign_off(args: argparse.Namespace) -> Result:
    with open_vault(args) as service:
        try:
            signed = service.sign_off(args.record_id, args.scope)
        except SignOffRefused as exc:
            items: list[Any] = list(exc.items)
            return Result(
                json={
                    "signed": False,
                    "missing": [{"path": m.path, "message": m.message} for m in items],
                },
                code=EXIT_NEGATIVE,
                errors="\n".join([str(exc), *(f"  {m.message}" for m in items)]),
            )
    given = next(s for s in signed.signoffs if s.scope.value == args.scope and not s.history)
    return Result(
        json={
            "signed": True,
            "id": signed.id,
            "scope": args.scope,
            "status": signed.status.value,
            "name": given.name,
            "role": given.role.value,
            "signed_on": given.signed_on.isoformat(),
        },
        text=f"{given.scope.label} recorded for {signed.display_name} ({signed.status.label}).",
    )


@command(
    "new",
    "create a record the way the window's New child does (pre-filled from the setting profile)",
    arg("--forename", required=True, metavar="F", help="the child's legal forename(s)"),
    arg("--surname", required=True, metavar="S", help="the child's legal surname"),
    arg("--dob", required=True, metavar="YYYY-MM-DD", help="date of birth"),
    add_vault_db_json,
)
def run_new(args: argparse.Namespace) -> Result:
    from datetime import date

    from models.framework.registry import current_framework
    from models.interchange import record_to_dict
    from models.validation import validate_value
    from transitions_app.services.profile_service import ProfileService

    try:
        dob = date.fromisoformat(args.dob)
    except ValueError:
        raise CliError(f"“{args.dob}” is not a date written as YYYY-MM-DD.") from None
    fw = current_framework()
    problem = validate_value(fw.field("child.date_of_birth"), dob, today=date.today())
    if problem:
        raise CliError(f"The date of birth does not fit: {problem}")
    if not args.forename.strip() or not args.surname.strip():
        raise CliError("Give the child's forename and surname.")
    with open_vault(args) as service:
        record = ProfileService(service).new_record(args.forename, args.surname, dob)
    return Result(json=lambda: record_to_dict(record), text=record.id)


@command(
    "import",
    "import a record from its JSON file, or start one from another setting's signed PDF",
    arg("file", metavar="FILE", type=Path),
    arg("--pdf-password-file", metavar="F", type=Path, help="password of a password-encrypted PDF"),
    arg(
        "--accept-self-signed",
        action="store_true",
        help="accept a PDF from a signer not vouched for by the LA",
    ),
    add_vault_db_json,
    description="A JSON file is imported as it is. A PDF exported by another setting is verified "
    "against this vault's LA root first, then becomes a new draft that notes where each answer came from.",
)
def run_import(args: argparse.Namespace) -> Result:
    data = read_input(args.file)
    if data.startswith(b"%PDF"):
        return _start_from_pdf(args, data)
    from models.interchange import record_from_bytes

    try:
        record = record_from_bytes(data)
    except InterchangeError as exc:
        raise CliError(f"{shown_name(args.file)} could not be imported: {exc}") from None
    with open_vault(args) as service:
        stored = service.import_record(record)
    return Result(
        json={"id": stored.id, "name": stored.display_name, "imported": True},
        text=f"Imported {stored.display_name} ({stored.id}).",
    )


def _start_from_pdf(args: argparse.Namespace, data: bytes) -> Result:
    from transitions_app.services.intake_service import start_from_pdf

    password = (
        read_secret(args.pdf_password_file, what="PDF password") if args.pdf_password_file else None
    )
    with open_vault(args) as service:
        intake = start_from_pdf(
            service, data, password=password, accept_self_signed=args.accept_self_signed
        )
    record = intake.record
    return Result(
        json={
            "id": record.id,
            "name": record.display_name,
            "imported": True,
            "source": intake.source,
            "vouched": intake.vouched,
        },
        text=f"Started {record.display_name} ({record.id}) from {intake.source}; check each answer, then sign off.",
    )


@command(
    "retention",
    "list records whose keeping period under the charter has ended; delete them with --delete --yes",
    add_vault_args,
    add_db_arg,
    arg("--delete", action="store_true", help="securely delete the records listed (manager)"),
    arg("--yes", action="store_true", help="confirm the deletion without a question"),
    add_json_arg,
)
def run_retention(args: argparse.Namespace) -> Result:
    from transitions_app.services.retention_service import RetentionService

    with open_vault(args) as service:
        retention = RetentionService(service)
        due = retention.due()
        deleted = []
        if args.delete and due:
            confirmed = args.yes
            if not confirmed and sys.stdin is not None and sys.stdin.isatty():
                answer = input(f"Securely delete {len(due)} record(s)? Type yes to confirm: ")
                confirmed = answer.strip().lower() == "yes"
            if not confirmed:
                raise CliError("Nothing deleted: confirm with --yes.")
            deleted = retention.delete_due({d.record_id for d in due})
    lines = [
        f"{d.record_id}  {d.child:<28} due for deletion since {d.delete_after.isoformat()}"
        for d in due
    ]
    lines.append(
        f"{len(due)} record(s) due for deletion"
        + (f"; {len(deleted)} deleted." if args.delete else ".")
    )
    return Result(
        json={
            "due": [
                {
                    "id": d.record_id,
                    "name": d.child,
                    "left_on": d.left_on.isoformat(),
                    "delete_after": d.delete_after.isoformat(),
                }
                for d in due
            ],
            "deleted": [d.record_id for d in deleted],
        },
        text="\n".join(lines),
    )


RECORDS = Group(
    "records",
    "list, show, change, sign off and import records",
    (run_list, run_show, run_set, run_sign_off, run_new, run_import, run_attach, run_retention),
)


def register(sub: Subparsers) -> None:
    run_demo.add_to(sub)
    RECORDS.add_to(sub)
