"""`family form|import|paper|copy|pictures` and `records attach`: the family's part of a record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    EXIT_OK,
    CliError,
    Group,
    Result,
    Subparsers,
    add_vault_db_json,
    arg,
    command,
    open_vault,
    read_input,
    read_secret,
)

ALL = "all"


def _choices(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--take-family",
        metavar="PATH",
        action="append",
        default=[],
        help="take the family's answer for this field over the setting's (repeatable; 'all' for every one)",
    )
    parser.add_argument(
        "--keep-setting",
        metavar="PATH",
        action="append",
        default=[],
        help="keep what the setting wrote for this field (repeatable; 'all' for every one)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change and change nothing"
    )


def _family_service(vault: Any) -> Any:
    from transitions_app.services.family_service import FamilyService

    return FamilyService(vault)


def _save(path: Path, data: bytes) -> None:
    from transitions_app.services.vault_json import save_file

    save_file(path, data)


def _password(path: Path | None, what: str) -> str | None:
    return read_secret(path, what=what) if path is not None else None


@command(
    "form",
    "make a fillable PDF form for one child's family, pre-filled",
    arg("--record", metavar="ID", required=True),
    arg("--out", metavar="FILE.pdf", type=Path, required=True),
    arg(
        "--encrypt-password-file",
        metavar="F",
        type=Path,
        help="lock the form with the password in this file (tell the family by phone)",
    ),
    add_vault_db_json,
)
def run_form(args: argparse.Namespace) -> Result:
    password = _password(args.encrypt_password_file, "form password")
    with open_vault(args) as vault:
        made = _family_service(vault).make_form(args.record, password=password)
    _save(args.out, made.pdf)
    return Result(
        json={
            "record_id": args.record,
            "out": str(args.out),
            "serial": made.serial,
            "issued_on": made.issued_on.isoformat(),
            "consent_questions": made.consent,
            "locked": password is not None,
        },
        text=f"Wrote the family form {made.reference} to {args.out}.",
    )


def _decide(preview: Any, take: list[str], keep: list[str]) -> tuple[set[str], list[str]]:
    """The choices taken for the family, and those still undecided."""
    paths = [c.path for c in preview.choices]
    known = set(paths)
    for given in (*take, *keep):
        if given != ALL and given not in known:
            raise CliError(
                f"“{given}” is not one of the answers to choose; those are: {', '.join(paths) or 'none'}."
            )
    if ALL in take and ALL in keep:
        raise CliError("Use 'all' with either --take-family or --keep-setting, not both.")
    if ALL in take:  # every choice for the family, except those listed to keep
        kept = set(keep)
        taken = known - kept
    elif ALL in keep:  # every choice kept, except those listed to take
        taken = set(take)
        kept = known - taken
    else:
        taken, kept = set(take), set(keep)
        if taken & kept:
            raise CliError(f"Choose one version of {', '.join(sorted(taken & kept))}, not both.")
    undecided = [p for p in paths if p not in taken and p not in kept]
    return taken, undecided


def _preview_json(preview: Any, applied: Any, undecided: list[str]) -> dict[str, Any]:
    record = preview.record
    return {
        "record_id": record.id,
        "child": preview.child,
        "serial": preview.serial,
        "source": preview.source.value,
        "returned_on": preview.returned_on.isoformat(),
        "warning": preview.warning,
        "problems": list(preview.problems),
        "changes": [
            {
                "path": c.path,
                "label": c.label,
                "kind": c.kind.value,
                "record": c.record_text(record),
                "family": c.family_text(record),
            }
            for c in preview.changes
        ],
        "undecided": undecided,
        "applied": applied is not None,
        "taken": list(applied.taken) if applied is not None else [],
        "kept": list(applied.kept) if applied is not None else [],
    }


def _preview_text(preview: Any, applied: Any) -> str:
    record = preview.record
    lines = [f"{preview.child}: the family's form, returned on {preview.returned_on.isoformat()}."]
    if preview.warning:
        lines.append(f"Note: {preview.warning}")
    lines.extend(f"Note: {problem}" for problem in preview.problems)
    if not preview.changes:
        lines.append("The family's answers change nothing in the record.")
    for c in preview.changes:
        family = c.family_text(record) or "(left empty)"
        if c.needs_choice:
            lines.append(
                f"  ? {c.path}  {c.label}\n      the setting wrote: {c.record_text(record)}\n"
                f"      the family wrote:  {family}"
            )
        else:
            lines.append(f"  + {c.path}  {c.label}: {family}")
    if applied is not None:
        lines.append(
            f"Took in {len(applied.taken)} answer(s) from the family"
            + (f"; kept the setting's words for {len(applied.kept)}." if applied.kept else ".")
        )
    return "\n".join(lines)


def _finish(service: Any, preview: Any, args: argparse.Namespace) -> Result:
    """Apply the family's answers as chosen; with --dry-run, or while a choice is missing, only
    show them (exit 1 for a missing choice)."""
    taken, undecided = _decide(preview, args.take_family, args.keep_setting)
    applied = None
    code, errors = EXIT_OK, ""
    if undecided and not args.dry_run:
        code = EXIT_NEGATIVE
        errors = (
            f"{len(undecided)} answer(s) differ from what the setting wrote, so nothing was changed: "
            "choose each with --take-family PATH or --keep-setting PATH (or 'all')."
        )
    elif not args.dry_run:
        applied = service.apply_return(preview, taken)
    return Result(
        json=_preview_json(preview, applied, undecided if applied is None else []),
        text=_preview_text(preview, applied),
        code=code,
        errors=errors,
    )


@command(
    "import",
    "read a returned family form into its child's record",
    arg("file", metavar="FILE.pdf", type=Path),
    arg(
        "--pdf-password-file", metavar="F", type=Path, help="the password the form was locked with"
    ),
    _choices,
    add_vault_db_json,
    description="Shows what the family's answers change. Answers where the record was empty, or "
    "that change the family's own earlier words, are taken in; an answer that differs from what "
    "the setting wrote is taken in only when you choose it with --take-family (or keep the "
    "setting's with --keep-setting). Until every such choice is made nothing is changed.",
)
def run_import(args: argparse.Namespace) -> Result:
    data = read_input(args.file)
    password = _password(args.pdf_password_file, "form password")
    with open_vault(args) as vault:
        service = _family_service(vault)
        return _finish(service, service.read_return(data, password=password), args)


def _typed_answers(answers: list[str]) -> dict[str, Any]:
    from models.family import AnswerKind, form_questions, parse_family_date

    questions = {q.path: q for q in form_questions(consent=True)}
    out: dict[str, Any] = {}
    for item in answers:
        path, sep, text = item.partition("=")
        q = questions.get(path.strip())
        if not sep or q is None:
            raise CliError(f"“{item[:60]}” is not PATH=TEXT for a question on the family form.")
        text = text.strip()
        if q.kind is AnswerKind.DATE:
            value: Any = parse_family_date(text) if text else None
            if text and value is None:
                raise CliError(f"“{text}” is not a date (write it as day/month/year).")
        elif q.kind is AnswerKind.CHECK:
            value = text.lower() in ("yes", "y", "true", "ticked", "x")
        elif q.kind is AnswerKind.CHOICES:
            values = [v.strip() for v in text.split(",") if v.strip()]
            allowed = {v for v, _l in q.options}
            bad = [v for v in values if v not in allowed]
            if bad:
                raise CliError(f"{', '.join(bad)} is not one of {', '.join(sorted(allowed))}.")
            value = tuple(values) or None
        else:
            value = text.replace("\\n", "\n") or None
        out[q.path] = value
    return out


@command(
    "paper",
    "enter the answers of a printed form the family wrote on",
    arg("--record", metavar="ID", required=True),
    arg("--set", metavar="PATH=TEXT", action="append", default=[], dest="answers"),
    arg(
        "--form-number",
        metavar="N",
        default="",
        help="the number printed at the foot of the paper form, if it can be read",
    ),
    _choices,
    add_vault_db_json,
    description="Each --set PATH=TEXT is one answer as the family wrote it (PATH as in `family "
    "import --dry-run`, for example about_me.likes). Marked as from the family's paper form.",
)
def run_paper(args: argparse.Namespace) -> Result:
    with open_vault(args) as vault:
        service = _family_service(vault)
        typed = _typed_answers(args.answers)
        preview = service.paper_preview(args.record, typed, serial=args.form_number)
        return _finish(service, preview, args)


@command(
    "copy",
    "the record as the family sees it, in plain language (PDF)",
    arg("--record", metavar="ID", required=True),
    arg("--out", metavar="FILE.pdf", type=Path, required=True),
    arg(
        "--encrypt-password-file",
        metavar="F",
        type=Path,
        help="lock the copy with the password in this file",
    ),
    add_vault_db_json,
)
def run_copy(args: argparse.Namespace) -> Result:
    password = _password(args.encrypt_password_file, "password")
    with open_vault(args) as vault:
        copy = _family_service(vault).family_copy(args.record, password=password)
    _save(args.out, copy.pdf)
    text = f"Wrote the family's copy to {args.out}."
    return Result(
        json={
            "record_id": args.record,
            "out": str(args.out),
            "locked": password is not None,
            "signed": bool(copy.signed_by),
            "note": copy.note,
        },
        text=f"{text}\n{copy.note}" if copy.note else text,
    )


@command(
    "attach",
    "add a child's drawing or photo (PNG or JPEG) to All about me",
    arg("record_id", metavar="ID"),
    arg("file", metavar="FILE", type=Path),
    arg("--caption", metavar="TEXT", default="", help="what the picture shows, in a few words"),
    add_vault_db_json,
    description="The picture is re-encoded without any metadata (GPS and camera details "
    "included), turned upright, made at most 1600 pixels on its long side and kept encrypted "
    "inside the record.",
)
def run_attach(args: argparse.Namespace) -> Result:
    """`records attach ID FILE --caption TEXT` (in the records group)."""
    with open_vault(args) as vault:
        service = _family_service(vault)
        picture = service.picture_from_file(args.file, args.caption)
        record = service.attach_picture(args.record_id, picture)
    return Result(
        json={
            "record_id": record.id,
            "picture_id": picture.id,
            "media_type": picture.media_type,
            "width": picture.width,
            "height": picture.height,
            "bytes": len(picture.data),
            "pictures": len(record.pictures),
        },
        text=f"Added the picture {picture.id} ({picture.width} × {picture.height}) to "
        f"{record.display_name}'s All about me; it now has {len(record.pictures)}.",
    )


@command(
    "pictures",
    "list a record's pictures, or remove one",
    arg("--record", metavar="ID", required=True),
    arg("--remove", metavar="PICTURE_ID", help="remove this picture from the record"),
    add_vault_db_json,
)
def run_pictures(args: argparse.Namespace) -> Result:
    with open_vault(args) as vault:
        if args.remove:
            record = _family_service(vault).remove_picture(args.record, args.remove)
        else:
            record = vault.load(args.record)
    rows = [
        {
            "id": p.id,
            "caption": p.caption,
            "media_type": p.media_type,
            "width": p.width,
            "height": p.height,
            "bytes": len(p.data),
        }
        for p in record.pictures
    ]
    lines = [f"Removed the picture {args.remove}."] if args.remove else []
    lines.extend(f"{row['id']}  {row['width']} × {row['height']}  {row['caption']}" for row in rows)
    lines.append(f"{len(rows)} picture(s).")
    return Result(
        json={"record_id": record.id, "pictures": rows, "removed": args.remove or None},
        text="\n".join(lines),
    )


FAMILY = Group(
    "family",
    "the form that goes home and comes back, and the family's copy",
    (run_form, run_import, run_paper, run_copy, run_pictures),
)


def register(sub: Subparsers) -> None:
    FAMILY.add_to(sub)
