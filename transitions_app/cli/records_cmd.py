"""`demo` and `records list|show|import`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from models.completeness import overall_completeness
from models.errors import InterchangeError
from models.flags import derive_flags
from models.interchange import record_from_bytes, record_to_dict
from transitions_app.cli.base import (
    EXIT_OK,
    PASSWORD_ENV,
    CliError,
    add_json_arg,
    add_vault_args,
    open_vault,
    print_json,
    vault_dir,
)
from transitions_app.cli.vault_cmd import add_db_arg

MAX_IMPORT_BYTES = 50 * 1024 * 1024


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="create a demo vault of synthetic, fictional children")
    add_vault_args(demo, user=False)
    demo.add_argument(
        "--children", type=int, default=38, metavar="N", help="how many children (default 38)"
    )
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    demo.set_defaults(func=run_demo)

    records = sub.add_parser("records", help="list, show and import records")
    rsub = records.add_subparsers(dest="records_command", metavar="ACTION", required=True)
    lst = rsub.add_parser("list", help="list the records in a vault")
    add_vault_args(lst)
    add_db_arg(lst)
    add_json_arg(lst)
    lst.set_defaults(func=run_list)
    show = rsub.add_parser("show", help="show one record")
    show.add_argument("record_id", metavar="ID")
    add_vault_args(show)
    add_db_arg(show)
    add_json_arg(show)
    show.set_defaults(func=run_show)
    imp = rsub.add_parser("import", help="import a record from its JSON file or an exported PDF")
    imp.add_argument("file", metavar="FILE", type=Path)
    add_vault_args(imp)
    add_db_arg(imp)
    add_json_arg(imp)
    imp.set_defaults(func=run_import)


def run_demo(args: argparse.Namespace) -> int:
    from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
    from transitions_app.services.vault_service import VaultService

    if args.children < 0 or args.children > 5000:
        raise CliError("Choose between 0 and 5000 children.")
    directory = vault_dir(args)
    if VaultService.exists(directory):
        raise CliError(f"A vault already exists in {directory}; choose another folder.")
    if args.password_file is not None or os.environ.get(PASSWORD_ENV):
        from transitions_app.cli.base import read_secret

        password = read_secret(args.password_file)
    else:
        password = DEMO_PASSWORD
    info = create_demo_vault(directory, password=password, children=args.children, seed=args.seed)
    print(f"Created a demo vault of {info.children} fictional children in {directory}.")
    print(
        "Users: manager, keyperson, senco, dsl"
        + (f" (password “{password}”)." if password == DEMO_PASSWORD else ".")
    )
    return EXIT_OK


def _summary_row(record) -> dict[str, object]:  # type: ignore[no-untyped-def]
    flags = derive_flags(record)
    return {
        "id": record.id,
        "name": record.display_name,
        "school": record.get("child.school_name") or "",
        "school_urn": record.get("child.school_urn") or "",
        "status": record.status.value,
        "export_version": record.export_version,
        "completeness": round(overall_completeness(record) * 100),
        "flags": flags.badges(),
    }


def run_list(args: argparse.Namespace) -> int:
    service = open_vault(args)
    try:
        rows = [_summary_row(r) for r in service.list_records()]
        damaged = service.damaged_records()
    finally:
        service.close()
    rows.sort(key=lambda r: str(r["name"]).lower())
    if args.json:
        print_json({"records": rows, "damaged": damaged})
    else:
        for row in rows:
            flags = ", ".join(row["flags"]) if row["flags"] else ""  # type: ignore[arg-type]
            print(
                f"{row['id']}  {row['name']:<28} {row['status']:<20} {row['completeness']:>3}%  {flags}"
            )
        print(
            f"{len(rows)} records"
            + (f"; {len(damaged)} damaged: {', '.join(damaged)}" if damaged else "")
        )
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    service = open_vault(args)
    try:
        record = service.load(args.record_id)
    finally:
        service.close()
    if args.json:
        print_json(record_to_dict(record))
    else:
        from models.framework.registry import get_framework
        from models.values import display_value

        fw = get_framework(record.framework_id, record.framework_version)
        print(
            f"{record.display_name} ({record.status.label}, export version {record.export_version})"
        )
        for section in fw.sections:
            lines = [
                f"  {fd.label}: {display_value(fd, record.get(fd.path))}"
                for fd in section.fields
                if record.get(fd.path) is not None
            ]
            if lines:
                print(f"{section.number}. {section.title}")
                print("\n".join(lines))
    return EXIT_OK


def read_record_file(path: Path) -> bytes:
    """The record JSON from a .json file, or from the attachment of an exported PDF."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CliError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if size > MAX_IMPORT_BYTES:
        raise CliError(f"{path} is too large to be a transition record.")
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        try:
            from export.attach import extract_json
        except ImportError:
            raise CliError(
                "Reading records from PDF files is not available in this build."
            ) from None
        return extract_json(data)
    return data


def run_import(args: argparse.Namespace) -> int:
    data = read_record_file(args.file)
    try:
        record = record_from_bytes(data)
    except InterchangeError as exc:
        raise CliError(f"{args.file} could not be imported: {exc}") from None
    service = open_vault(args)
    try:
        stored = service.import_record(record)
    finally:
        service.close()
    if args.json:
        print_json({"id": stored.id, "name": stored.display_name, "imported": True})
    else:
        print(f"Imported {stored.display_name} ({stored.id}).")
    return EXIT_OK
