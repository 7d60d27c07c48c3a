"""``transitions-app la return`` and ``la report``: anonymous returns to the local authority.

``la return`` (a setting's manager or childminder, or a school's headteacher) writes the vault's
signed return of counts for an academic year. ``la report`` (the LA) verifies a folder of returns
against its root and register, keeps the latest per setting and school, and reports LA-wide and
per organisation, as text, JSON, CSV and a PDF for the board. In the ``la`` group of
:mod:`transitions_app.cli.la_cmd`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from transitions_app.cli.base import (
    EXIT_NEGATIVE,
    EXIT_OK,
    CliError,
    Result,
    add_db_arg,
    add_json_arg,
    add_vault_args,
    arg,
    command,
    open_vault,
)

if TYPE_CHECKING:  # imported by the commands that use them
    from models.la.insight import LaInsight
    from models.la.returns import Period


def _period(text: str | None) -> Period | None:
    from models.la.returns import Period

    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise CliError(str(exc)) from None


@command(
    "return",
    "write this vault's signed, anonymous return of counts for the LA",
    add_vault_args,
    add_db_arg,
    arg("--out", metavar="FILE", type=Path, required=True, help="the return file to write"),
    arg("--year", metavar="YYYY-YY", help="academic year, for example 2026-27 (default: this one)"),
    add_json_arg,
    description="A setting's or school's return to its LA: counts only (no child is named), "
    "counts from 1 to 4 suppressed, signed with the certificate the LA issued.",
)
def run_return(args: argparse.Namespace) -> Result:
    from transitions_app.services.la_service import LaReturnService

    period = _period(args.year)
    with open_vault(args) as vault:
        content = LaReturnService(vault).save_return(args.out, period)
    return Result(
        json=lambda: {"file": str(args.out), **content.to_dict()},
        text="\n".join([*content.summary_lines(), f"Wrote the signed return to {args.out}."]),
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _text_report(insight: LaInsight) -> str:
    from models.la.insight import gap_to_all
    from models.la.returns import SCHOOL, SETTING

    lines = [
        f"Returns for {insight.period.label}: {_n(len(insight.settings), 'setting')} and "
        f"{_n(len(insight.schools), 'school')}.",
    ]
    for kind in (SETTING, SCHOOL):
        for _k, label, r in insight.rates(kind):
            if r.of_returns:
                note = "" if r.complete else f", from {r.returns} of {r.of_returns} returns"
                lines.append(f"  {label}: {_pct(r.percent)} ({r.part} of {r.whole}{note})")
    gld = insight.gld()
    target = insight.gld_target
    for g in gld:
        if not g.rate.of_returns:
            continue
        extra = []
        if g.gap_to_target is not None:
            extra.append(f"{g.gap_to_target:+g} points against the {target:g}% target")
        gap = gap_to_all(gld, g.group)
        if g.group != "all" and gap is not None:
            extra.append(f"{gap:+g} against all children")
        lines.append(
            f"  GLD, {g.label}: {_pct(g.rate.percent)} ({g.rate.part} of {g.rate.whole})"
            + (f"; {'; '.join(extra)}" if extra else "")
        )
    for a in insight.superseded:
        lines.append(f"Superseded by a later return: {a.file} ({a.content.name}).")
    for a in insight.other_years:
        lines.append(f"Left out, another year ({a.content.period.label}): {a.file}.")
    for e in insight.missing:
        lines.append(f"No return from {e.name} (URN {e.urn}).")
    if insight.refused:
        lines.append(f"{len(insight.refused)} file(s) refused and left out (reasons on stderr).")
    return "\n".join(lines)


@command(
    "report",
    "verify settings' and schools' returns and report LA-wide and per organisation",
    arg("--ca", metavar="DIR", type=Path, required=True, help="the LA CA folder"),
    arg("files", metavar="RETURN_FILES_OR_FOLDERS", type=Path, nargs="+"),
    arg("--crl", metavar="FILE", type=Path, help="also trust this revocation list's revocations"),
    arg("--year", metavar="YYYY-YY", help="academic year (default: the latest in the returns)"),
    arg("--csv", metavar="FILE", type=Path, help="write every figure as CSV"),
    arg("--out", metavar="REPORT.pdf", type=Path, help="write the report as a PDF"),
    add_json_arg,
    description="Verify each return against the LA root and register (a changed, foreign, "
    "revoked or expired return is refused with its reason and left out; exit 1 if any), keep "
    "the latest per setting and school, and report.",
)
def run_report(args: argparse.Namespace) -> Result:
    from transitions_app.services.la_service import LaReportService

    period = _period(args.year)
    service = LaReportService(args.ca, crl=args.crl)
    insight = service.insight(args.files, period=period)
    if args.csv is not None:
        service.save_csv(insight, args.csv)
    if args.out is not None:
        service.save_pdf(insight, args.out)
    return Result(
        json=insight.to_dict,
        text=lambda: _text_report(insight),
        code=EXIT_NEGATIVE if insight.refused else EXIT_OK,
        errors="\n".join(f"{f.file}: {f.reason}" for f in insight.refused),
    )
