"""The local authority's view: LA-wide and per-setting or per-school figures from verified returns.

Input is the returns that passed verification (with their signing time), the files that did not
(with the reason) and, optionally, who was expected to send one. Only the latest return per
organisation (kind and URN) for the chosen academic year counts; earlier ones are listed as
superseded and returns for other years as left out.

A suppressed count is unknown, so LA-wide figures add up only what is known: every total says in
how many returns a count was suppressed, and a rate is worked out from the returns in which both
its part and its whole are known ("from 7 of 9 settings"). Nothing here is ever an estimate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from models.la.returns import (
    GLD_GROUPS,
    QUARANTINE_REASONS,
    SCHOOL,
    SEND_STATUSES,
    SETTING,
    LaReturn,
    Period,
)


@dataclass(frozen=True, slots=True)
class Accepted:
    content: LaReturn
    signed_at: datetime
    file: str
    signer: str = ""


@dataclass(frozen=True, slots=True)
class Refused:
    file: str
    reason: str


@dataclass(frozen=True, slots=True)
class Expected:
    """Someone the LA issued a signing certificate to (from its register)."""

    name: str
    urn: str
    kind: str  # "setting", "school" or "" when the register does not say


@dataclass(frozen=True, slots=True)
class Total:
    """A count added up over returns: ``value`` from the returns where it is known."""

    value: int
    returns: int  # returns that have the count at all
    suppressed_in: int  # returns in which it was suppressed

    @property
    def complete(self) -> bool:
        return self.suppressed_in == 0


@dataclass(frozen=True, slots=True)
class Rate:
    part: int
    whole: int
    returns: int  # returns both figures are known in
    of_returns: int  # returns that have the figures at all

    @property
    def percent(self) -> float | None:
        return None if self.whole == 0 else round(100.0 * self.part / self.whole, 1)

    @property
    def complete(self) -> bool:
        return self.returns == self.of_returns


def total_of(returns: Sequence[LaReturn], key: str) -> Total:
    having = [r for r in returns if r.has(key)]
    known = [v for r in having if (v := r.value(key)) is not None]
    return Total(sum(known), len(having), len(having) - len(known))


def rate_of(returns: Sequence[LaReturn], part: str, whole: str) -> Rate:
    having = [r for r in returns if r.has(part) and r.has(whole)]
    pairs = [
        (p, w)
        for r in having
        if (p := r.value(part)) is not None and (w := r.value(whole)) is not None
    ]
    return Rate(sum(p for p, _ in pairs), sum(w for _, w in pairs), len(pairs), len(having))


# The rates the report shows, per kind: (key, label, part cell, whole cell)
SETTING_RATES: tuple[tuple[str, str, str, str], ...] = (
    ("on_time", "Records sent by the deadline", "sent.on_time", "due"),
    ("late", "Records sent late", "sent.late", "due"),
    ("never_sent", "Records not sent", "sent.not_sent", "due"),
    ("refused", "Export refused for missing key information", "refused.yes", "due"),
    ("coproduced", "SEND plans co-produced with the parent", "coproduced.yes", "send.plus"),
    ("meetings", "SEND transition meetings held by the deadline", "meeting.on_time", "meeting.due"),
    (
        "waiting",
        "Children still waiting for a specialist service at school entry",
        "waiting.yes",
        "due",
    ),
    ("receipts", "Records a school confirmed receiving", "receipt.yes", "sent.total"),
    ("read", "Records read at the school (setting's receipts)", "read.yes", "sent.total"),
)
SCHOOL_RATES: tuple[tuple[str, str, str, str], ...] = (
    (
        "vouched",
        "Records signed by a setting the LA vouches for",
        "received.vouched",
        "received.total",
    ),
    (
        "read_soon",
        "Records read within two weeks of arriving",
        "read.within_two_weeks",
        "received.total",
    ),
    ("not_read", "Records not read yet", "read.not_yet", "received.total"),
    ("senco_overdue", "SENCO queue items overdue", "senco.overdue", "senco.items"),
)


@dataclass(frozen=True, slots=True)
class GldRow:
    group: str
    label: str
    rate: Rate
    target: float | None

    @property
    def gap_to_target(self) -> float | None:
        pct = self.rate.percent
        return None if pct is None or self.target is None else round(pct - self.target, 1)


def gld_rows(returns: Sequence[LaReturn], target: float | None) -> list[GldRow]:
    return [
        GldRow(g, label, rate_of(returns, f"gld.{g}.yes", f"gld.{g}.children"), target)
        for g, label in GLD_GROUPS
    ]


def gap_to_all(rows: Sequence[GldRow], group: str) -> float | None:
    """Percentage points between a group's GLD rate and all children's."""
    by = {r.group: r.rate.percent for r in rows}
    mine, everyone = by.get(group), by.get("all")
    return None if mine is None or everyone is None else round(mine - everyone, 1)


@dataclass(frozen=True, slots=True)
class ItemTotal:
    key: str
    label: str
    total: Total


def item_totals(returns: Sequence[LaReturn], prefix: str) -> list[ItemTotal]:
    """The "by item" counts of a measure (``refused`` or ``missing_now``) added up by label."""
    labels: dict[str, str] = {}
    for r in returns:
        for m in r.measures:
            for c in m.cells:
                if c.key.startswith(f"{prefix}.item."):
                    labels.setdefault(c.label, c.key)
    out = []
    for label in labels:
        known, suppressed, having = 0, 0, 0
        for r in returns:
            cells = [
                c
                for m in r.measures
                for c in m.cells
                if c.key.startswith(f"{prefix}.item.") and c.label == label
            ]
            if not cells:
                continue
            having += 1
            if cells[0].value is None:
                suppressed += 1
            else:
                known += cells[0].value
        out.append(ItemTotal(labels[label], label, Total(known, having, suppressed)))
    return sorted(out, key=lambda i: (-i.total.value, -i.total.suppressed_in, i.label))


@dataclass(frozen=True)
class LaInsight:
    period: Period
    settings: tuple[Accepted, ...]
    schools: tuple[Accepted, ...]
    refused: tuple[Refused, ...] = ()
    superseded: tuple[Accepted, ...] = ()
    other_years: tuple[Accepted, ...] = ()
    missing: tuple[Expected, ...] = ()

    @property
    def setting_returns(self) -> list[LaReturn]:
        return [a.content for a in self.settings]

    @property
    def school_returns(self) -> list[LaReturn]:
        return [a.content for a in self.schools]

    @property
    def gld_target(self) -> float | None:
        targets = [r.gld_target for r in self.setting_returns if r.gld_target is not None]
        return max(set(targets), key=targets.count) if targets else None

    def total(self, key: str, kind: str = SETTING) -> Total:
        return total_of(self.setting_returns if kind == SETTING else self.school_returns, key)

    def rates(self, kind: str = SETTING) -> list[tuple[str, str, Rate]]:
        returns = self.setting_returns if kind == SETTING else self.school_returns
        table = SETTING_RATES if kind == SETTING else SCHOOL_RATES
        return [(k, label, rate_of(returns, p, w)) for k, label, p, w in table]

    def rate(self, key: str, kind: str = SETTING) -> Rate:
        return next(r for k, _l, r in self.rates(kind) if k == key)

    def gld(self) -> list[GldRow]:
        return gld_rows(self.setting_returns, self.gld_target)

    def items(self, prefix: str = "refused") -> list[ItemTotal]:
        return item_totals(self.setting_returns, prefix)

    def send_status(self) -> list[tuple[str, Total]]:
        return [(label, self.total(f"send.{key}")) for key, label in SEND_STATUSES]

    def quarantine(self) -> list[tuple[str, Total]]:
        return [
            (label, self.total(f"quarantined.{key}", SCHOOL)) for key, label in QUARANTINE_REASONS
        ]

    def to_dict(self) -> dict[str, object]:
        def total(t: Total) -> dict[str, object]:
            return {"value": t.value, "returns": t.returns, "suppressed_in": t.suppressed_in}

        def rate(r: Rate) -> dict[str, object]:
            return {
                "part": r.part,
                "whole": r.whole,
                "percent": r.percent,
                "returns": r.returns,
                "of_returns": r.of_returns,
            }

        def org(a: Accepted) -> dict[str, object]:
            r = a.content
            table = SETTING_RATES if r.kind == SETTING else SCHOOL_RATES
            return {
                "kind": r.kind,
                "urn": r.urn,
                "name": r.name,
                "file": a.file,
                "signed_at": a.signed_at.isoformat(),
                "made_on": r.made_on.isoformat(),
                "charter": {"id": r.charter.id, "version": r.charter.version},
                "rates": {k: rate(rate_of([r], p, w)) for k, _l, p, w in table},
                "counts": {c.key: c.value for m in r.measures for c in m.cells},
                "gld": [
                    {"group": g.group, "percent": g.rate.percent, "gap_to_target": g.gap_to_target}
                    for g in gld_rows([r], r.gld_target)
                ]
                if r.kind == SETTING
                else [],
            }

        gld = self.gld()
        return {
            "period": self.period.label,
            "settings": len(self.settings),
            "schools": len(self.schools),
            "la_wide": {
                "setting_rates": {k: rate(r) for k, _l, r in self.rates(SETTING)},
                "school_rates": {k: rate(r) for k, _l, r in self.rates(SCHOOL)},
                "due": total(self.total("due")),
                "not_sent": total(self.total("sent.not_sent")),
                "waiting": total(self.total("waiting.yes")),
                "received": total(self.total("received.total", SCHOOL)),
                "quarantined": {label: total(t) for label, t in self.quarantine()},
                "outcomes_sent": total(self.total("outcomes.children", SCHOOL)),
                "key_information_missing": {i.label: total(i.total) for i in self.items("refused")},
                "missing_now": {i.label: total(i.total) for i in self.items("missing_now")},
                "send_status": {label: total(t) for label, t in self.send_status()},
                "gld_target_percent": self.gld_target,
                "gld": [
                    {
                        "group": g.group,
                        "label": g.label,
                        **rate(g.rate),
                        "gap_to_target": g.gap_to_target,
                        "gap_to_all": gap_to_all(gld, g.group),
                    }
                    for g in gld
                ],
            },
            "returns": [org(a) for a in (*self.settings, *self.schools)],
            "refused": [{"file": r.file, "reason": r.reason} for r in self.refused],
            "superseded": [
                {"file": a.file, "urn": a.content.urn, "signed_at": a.signed_at.isoformat()}
                for a in self.superseded
            ],
            "other_years": [
                {"file": a.file, "urn": a.content.urn, "period": a.content.period.label}
                for a in self.other_years
            ],
            "no_return": [{"name": e.name, "urn": e.urn, "kind": e.kind} for e in self.missing],
        }


def build_insight(
    accepted: Iterable[Accepted],
    refused: Iterable[Refused] = (),
    *,
    period: Period | None = None,
    expected: Iterable[Expected] = (),
) -> LaInsight:
    """Keep the latest return per organisation for ``period`` (default: the latest year any
    return is for) and say who was expected but sent none."""
    every = sorted(accepted, key=lambda a: (a.signed_at, a.file))
    if period is None:
        period = max((a.content.period for a in every), default=None) or Period(2000)
    latest: dict[tuple[str, str], Accepted] = {}
    superseded: list[Accepted] = []
    other: list[Accepted] = []
    for a in every:
        if a.content.period != period:
            other.append(a)
            continue
        key = (a.content.kind, a.content.urn)
        if key in latest:
            superseded.append(latest[key])
        latest[key] = a
    chosen = sorted(latest.values(), key=lambda a: (a.content.name.casefold(), a.content.urn))
    settings = tuple(a for a in chosen if a.content.kind == SETTING)
    schools = tuple(a for a in chosen if a.content.kind == SCHOOL)
    sent = {a.content.urn for a in chosen}
    missing: dict[str, Expected] = {}
    for e in expected:
        if e.urn and e.urn not in sent and e.kind != "encryption":
            missing.setdefault(e.urn, e)
    return LaInsight(
        period=period,
        settings=settings,
        schools=schools,
        refused=tuple(refused),
        superseded=tuple(superseded),
        other_years=tuple(other),
        missing=tuple(sorted(missing.values(), key=lambda e: (e.name.casefold(), e.urn))),
    )


# ----------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = (
    "Scope",
    "Kind",
    "Name",
    "URN",
    "Topic",
    "Figure",
    "Count",
    "Out of",
    "Percent",
    "Returns counted",
    "Returns with the figure suppressed",
    "Gap (points)",
    "Gap direction",
)


def csv_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting = + - @ tab or CR gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _gap(value: float | None) -> tuple[str, str]:
    if value is None:
        return "", ""
    if value == 0:
        return "0", "on"
    return f"{abs(value):g}", "above" if value > 0 else "below"


def insight_csv(insight: LaInsight) -> bytes:
    """Every figure of the report as CSV rows (UTF-8 with BOM so Excel reads it); no cell can
    start a formula and no number is negative (gaps are a size and a direction)."""
    rows: list[list[object]] = []

    def rate_row(
        scope: str, kind: str, name: str, urn: str, topic: str, label: str, r: Rate
    ) -> None:
        rows.append(
            [
                scope,
                kind,
                name,
                urn,
                topic,
                label,
                _shown(r, "part"),
                _shown(r, "whole"),
                _num(r.percent),
                r.returns,
                r.of_returns - r.returns,
                "",
                "",
            ]
        )

    def total_row(
        scope: str, kind: str, name: str, urn: str, topic: str, label: str, t: Total
    ) -> None:
        rows.append(
            [
                scope,
                kind,
                name,
                urn,
                topic,
                label,
                t.value,
                "",
                "",
                t.returns - t.suppressed_in,
                t.suppressed_in,
                "",
                "",
            ]
        )

    la = "LA-wide"
    for kind in (SETTING, SCHOOL):
        for _k, label, r in insight.rates(kind):
            rate_row(la, kind, "", "", "Rates", label, r)
    for i in insight.items("refused"):
        total_row(la, SETTING, "", "", "Key information missing at export", i.label, i.total)
    for i in insight.items("missing_now"):
        total_row(la, SETTING, "", "", "Not sent yet: still missing", i.label, i.total)
    for label, t in insight.send_status():
        total_row(la, SETTING, "", "", "SEND status", label, t)
    for label, t in insight.quarantine():
        total_row(la, SCHOOL, "", "", "Files quarantined", label, t)
    gld = insight.gld()
    for g in gld:
        size, direction = _gap(g.gap_to_target)
        rows.append(
            [
                la,
                SETTING,
                "",
                "",
                "GLD against the LA target",
                g.label,
                g.rate.part,
                g.rate.whole,
                _num(g.rate.percent),
                g.rate.returns,
                g.rate.of_returns - g.rate.returns,
                size,
                direction,
            ]
        )
    for a in (*insight.settings, *insight.schools):
        ret = a.content
        for _k, label, p, w in SETTING_RATES if ret.kind == SETTING else SCHOOL_RATES:
            rate_row(
                ret.kind.capitalize(),
                ret.kind,
                ret.name,
                ret.urn,
                "Rates",
                label,
                rate_of([ret], p, w),
            )
        if ret.kind == SETTING:
            for g in gld_rows([ret], ret.gld_target):
                size, direction = _gap(g.gap_to_target)
                rows.append(
                    [
                        ret.kind.capitalize(),
                        ret.kind,
                        ret.name,
                        ret.urn,
                        "GLD against the LA target",
                        g.label,
                        _shown(g.rate, "part"),
                        _shown(g.rate, "whole"),
                        _num(g.rate.percent),
                        g.rate.returns,
                        g.rate.of_returns - g.rate.returns,
                        size,
                        direction,
                    ]
                )
    for f in insight.refused:
        rows.append(
            ["Refused", "", f.file, "", "Refused return", f.reason, "", "", "", "", "", "", ""]
        )
    for e in insight.missing:
        rows.append(
            [
                "No return",
                e.kind,
                e.name,
                e.urn,
                "No return received",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _shown(rate: Rate, which: str) -> object:
    if rate.of_returns == 0:
        return ""
    if rate.returns == 0:
        return "suppressed"
    return rate.part if which == "part" else rate.whole
