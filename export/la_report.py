"""The local authority's report for its board: one page per topic, charts drawn with reportlab
graphics (no Qt), every figure also in a table beside the chart so colour is never the only
signal. Built from :class:`models.la.insight.LaInsight`; the same input gives the same bytes.

Pages: the returns received; records sent on time; key information missing at export; SEND plans,
meetings and waiting lists; schools receiving and reading records; good level of development by
group against the LA's target.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from export.fonts import FONT, FONT_BOLD, register_fonts
from export.pdfa import DocumentInfo
from export.render import (
    BODY_W,
    CELL,
    CELL_HEAD,
    INK,
    KICKER,
    MUTED,
    QUIET,
    RULE,
    PageFurniture,
    build_pdf,
    data_table,
    date_text,
    markup,
    paragraph_style,
)
from export.tagging import Structure
from models.la.insight import LaInsight, Rate, Total, gap_to_all, gld_rows, rate_of
from models.la.returns import SUPPRESSED, LaReturn

TITLE = "Transitions charter: returns from settings and schools"
ON_TIME = colors.HexColor("#1F5C74")
LATE = colors.HexColor("#D08C2E")
NOT_SENT = colors.HexColor("#B9C4CB")
SECOND = colors.HexColor("#7FA7B8")
TARGET = colors.HexColor("#B35C00")

_TITLE = paragraph_style("la-title", fontName=FONT_BOLD, fontSize=17, leading=22, spaceAfter=4)
_LEAD = paragraph_style("la-lead", fontSize=10, leading=14, textColor=INK, spaceAfter=8)
_NOTE = paragraph_style("la-note", fontSize=8.5, leading=11.5, textColor=MUTED, spaceAfter=6)
_TXT = paragraph_style("la-txt", parent=CELL, fontSize=9, leading=12)
_NUM = paragraph_style("la-num", parent=_TXT, alignment=2)
_NUM_SMALL = paragraph_style("la-num-small", parent=_NUM, fontSize=8.5, leading=11.5)
_NUM_HEAD = paragraph_style("la-num-head", parent=CELL_HEAD, alignment=2)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def _rate_text(r: Rate) -> str:
    if r.of_returns == 0:
        return "–"
    if r.returns == 0:
        return SUPPRESSED
    if r.complete:
        return f"{_pct(r.percent)} ({r.part} of {r.whole})"
    return f"{_pct(r.percent)} ({r.part} of {r.whole}, from {r.returns} of {r.of_returns} returns)"


def _pct_only(r: Rate) -> str:
    if r.of_returns and not r.returns:
        return SUPPRESSED
    return _pct(r.percent)


def _total_text(t: Total) -> str:
    if t.returns == 0:
        return "–"
    if t.returns == t.suppressed_in:
        return SUPPRESSED
    return str(t.value) + ("" if t.complete else f" (+ suppressed in {t.suppressed_in})")


def _count(r: LaReturn, key: str) -> str:
    if not r.has(key):
        return "–"
    v = r.value(key)
    return SUPPRESSED if v is None else str(v)


def _one(r: LaReturn, part: str, whole: str) -> Rate:
    return rate_of([r], part, whole)


def _head(kicker: str, title: str, lead: str) -> list[Flowable]:
    return [
        Paragraph(markup(kicker), KICKER),
        Paragraph(markup(title), _TITLE),
        Paragraph(markup(lead), _LEAD),
    ]


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    numeric_from: int = 1,
    *,
    small: bool = False,
) -> Flowable:
    num = _NUM_SMALL if small else _NUM
    data: list[list[Any]] = [
        [
            Paragraph(markup(h), _NUM_HEAD if i >= numeric_from else CELL_HEAD)
            for i, h in enumerate(head)
        ]
    ]
    for row in rows:
        data.append(
            [Paragraph(markup(c), num if i >= numeric_from else _TXT) for i, c in enumerate(row)]
        )
    return data_table(data, [w * BODY_W for w in widths], [], header=True)


class _Chart(Flowable):  # type: ignore[misc]
    """A reportlab Drawing as a flowable (kept whole on one page)."""

    def __init__(self, drawing: Drawing) -> None:
        super().__init__()
        self.drawing = drawing
        self.width, self.height = drawing.width, drawing.height

    def wrap(self, _aw: float, _ah: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.drawing.drawOn(self.canv, 0, 0)


def _legend(drawing: Drawing, items: Sequence[tuple[str, Any]], y: float, x: float = 150) -> None:
    for name, colour in items:
        drawing.add(Rect(x, y, 9, 9, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 13, y + 1, name, fontName=FONT, fontSize=8, fillColor=INK))
        x += 13 + 5.2 * len(name) + 16


def _bars(
    labels: Sequence[str],
    series: Sequence[Sequence[float | None]],
    colours: Sequence[Any],
    names: Sequence[str],
    *,
    stacked: bool = False,
    figures: Sequence[str] | None = None,
    target: float | None = None,
    value_max: float = 100.0,
    unit: str = "%",
) -> Drawing:
    """Horizontal bars, first label at the top; ``figures`` are written after each bar."""
    rows = max(1, len(labels))
    row_h = 22 if len(series) == 1 or stacked else 10 * len(series) + 6
    plot_h = rows * row_h
    left = 196.0
    width = BODY_W
    height = plot_h + 46
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = left, 30
    chart.width, chart.height = width - left - 96, plot_h
    chart.data = [[0.0 if v is None else v for v in s] for s in series] or [[0.0]]
    chart.categoryAxis.categoryNames = [_short(lab) for lab in labels] or [""]
    chart.categoryAxis.reverseDirection = 1
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = RULE
    chart.categoryAxis.style = "stacked" if stacked else "parallel"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = value_max
    chart.valueAxis.valueStep = value_max / 5 if value_max >= 5 else 1
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.labelTextFormat = "%d" + unit.replace("%", "%%")
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E3E8ED")
    chart.barSpacing = 1
    chart.groupSpacing = 6
    for i, colour in enumerate(colours):
        chart.bars[i].fillColor = colour
        chart.bars[i].strokeColor = None
    d.add(chart)
    if target is not None:
        x = chart.x + chart.width * target / value_max
        d.add(
            Line(
                x,
                chart.y - 2,
                x,
                chart.y + chart.height + 2,
                strokeColor=TARGET,
                strokeWidth=1.4,
                strokeDashArray=[4, 2],
            )
        )
        d.add(
            String(
                x + 3,
                chart.y + chart.height + 4,
                f"LA target {target:g}%",
                fontName=FONT_BOLD,
                fontSize=7.5,
                fillColor=TARGET,
            )
        )
    if figures is not None:
        for i, text in enumerate(figures):
            totals = (
                [s[i] or 0.0 for s in series] if stacked else [max((s[i] or 0.0) for s in series)]
            )
            end = sum(totals) if stacked else totals[0]
            x = chart.x + chart.width * min(end, value_max) / value_max + 4
            y = chart.y + chart.height - (i + 0.5) * (chart.height / rows) - 3
            # on a white ground, so the target line and the grid never run through the words
            d.add(
                Rect(
                    x - 1,
                    y - 2.5,
                    stringWidth(text, FONT, 7.5) + 2,
                    10,
                    fillColor=colors.white,
                    strokeColor=None,
                )
            )
            d.add(String(x, y, text, fontName=FONT, fontSize=7.5, fillColor=INK))
    if len(names) > 1 or target is not None:
        _legend(d, list(zip(names, colours, strict=True)), 6, left)
    return d


def _short(label: str, limit: int = 44) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _v(rate: Rate) -> float | None:
    return rate.percent if rate.returns else None


# ----------------------------------------------------------------------------- pages


def _overview(insight: LaInsight, la_name: str) -> list[Flowable]:
    story = _head(
        la_name,
        f"Returns for {insight.period.label}",
        f"{len(insight.settings)} settings and {len(insight.schools)} schools sent a return that "
        "verified against the LA's root certificate. Returns hold counts only: no child is named, "
        "and counts from 1 to 4 are suppressed (so is any figure from which one could be worked "
        "out). LA-wide figures add up what is known and say how many returns they come from.",
    )
    rows = [
        [
            a.content.name,
            a.content.urn,
            a.content.kind_label,
            date_text(a.signed_at.date()),
            f"{a.content.charter.id} {a.content.charter.version}",
        ]
        for a in (*insight.settings, *insight.schools)
    ]
    if rows:
        story.append(
            _table(
                ["Sent by", "URN", "Kind", "Signed", "Charter"],
                rows,
                [0.35, 0.13, 0.1, 0.15, 0.27],
                numeric_from=9,
            )
        )
    if insight.missing:
        story.append(Paragraph("No return received", KICKER))
        story.append(
            _table(
                ["Certificate holder", "URN"],
                [[e.name, e.urn] for e in insight.missing],
                [0.7, 0.3],
                numeric_from=9,
            )
        )
    if insight.refused:
        story.append(Paragraph("Refused and left out", KICKER))
        story.append(
            _table(
                ["File", "Why"],
                [[f.file, f.reason] for f in insight.refused],
                [0.3, 0.7],
                numeric_from=9,
            )
        )
    if insight.superseded:
        names = ", ".join(f"{a.file} ({a.content.name})" for a in insight.superseded)
        story.append(
            Paragraph(
                markup(f"Superseded by a later return from the same organisation: {names}."), _NOTE
            )
        )
    if insight.other_years:
        names = ", ".join(f"{a.file} ({a.content.period.label})" for a in insight.other_years)
        story.append(Paragraph(markup(f"Left out as returns for another year: {names}."), _NOTE))
    return story


def _sent(insight: LaInsight) -> list[Flowable]:
    on_time, never = insight.rate("on_time"), insight.rate("never_sent")
    due = insight.total("due")
    story = _head(
        "Records reaching schools",
        "Records sent by the charter's deadline",
        f"LA-wide, records of the {_total_text(due)} children due to start Reception: sent by the "
        f"deadline {_rate_text(on_time)}; sent late {_rate_text(insight.rate('late'))}; not sent yet "
        f"{_rate_text(never)}.",
    )
    settings = [a.content for a in insight.settings]
    rates = [
        (
            _one(r, "sent.on_time", "due"),
            _one(r, "sent.late", "due"),
            _one(r, "sent.not_sent", "due"),
        )
        for r in settings
    ]
    if settings:
        story.append(
            _Chart(
                _bars(
                    [r.name for r in settings],
                    [
                        [_v(x[0]) for x in rates],
                        [_v(x[1]) for x in rates],
                        [_v(x[2]) for x in rates],
                    ],
                    [ON_TIME, LATE, NOT_SENT],
                    ["On time", "Late", "Not sent"],
                    stacked=True,
                    figures=[
                        _pct(x[0].percent) + " on time" if x[0].returns else SUPPRESSED
                        for x in rates
                    ],
                )
            )
        )
        story.append(Spacer(1, 6))
        story.append(
            _table(
                ["Setting", "Due", "On time", "Late", "Not sent"],
                [
                    [
                        r.name,
                        _count(r, "due"),
                        _count(r, "sent.on_time"),
                        _count(r, "sent.late"),
                        _count(r, "sent.not_sent"),
                    ]
                    for r in settings
                ],
                [0.4, 0.15, 0.15, 0.15, 0.15],
            )
        )
    return story


def _missing(insight: LaInsight) -> list[Flowable]:
    refused = insight.items("refused")
    still = insight.items("missing_now")
    story = _head(
        "Complete records",
        "Key information missing at export",
        f"LA-wide: the charter refused the export of {_rate_text(insight.rate('refused'))} of the "
        "records due at least once this year because key information was missing. The chart shows "
        "how many records each missing item stopped.",
    )
    if refused:
        top = refused[:12]
        peak = max([i.total.value for i in top] + [1])
        story.append(
            _Chart(
                _bars(
                    [i.label for i in top],
                    [[float(i.total.value) for i in top]],
                    [LATE],
                    ["Records refused"],
                    figures=[_total_text(i.total) for i in top],
                    value_max=float(_nice(peak)),
                    unit="",
                )
            )
        )
    else:
        story.append(
            Paragraph("No export was refused for missing information in these returns.", QUIET)
        )
    story.append(Spacer(1, 6))
    story.append(
        Paragraph("Records not sent yet: what the charter would still refuse today", KICKER)
    )
    if still:
        story.append(
            _table(
                ["Missing item", "Records"],
                [[i.label, _total_text(i.total)] for i in still[:14]],
                [0.6, 0.4],
            )
        )
    else:
        story.append(Paragraph("Every record not yet sent is ready to send.", QUIET))
    return story


def _nice(peak: int) -> int:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if peak <= step:
            return step
    return ((peak // 1000) + 1) * 1000


def _send(insight: LaInsight) -> list[Flowable]:
    co, meet = insight.rate("coproduced"), insight.rate("meetings")
    story = _head(
        "SEND transitions",
        "SEND plans, transition meetings and waiting lists",
        f"LA-wide: SEND transition plans of children with SEN support or above co-produced with the "
        f"parent {_rate_text(co)}; transition meetings the charter asks for held by its deadline "
        f"{_rate_text(meet)}; children due still waiting for a specialist service at school entry: "
        f"{_total_text(insight.total('waiting.yes'))}.",
    )
    settings = [a.content for a in insight.settings]
    if settings:
        pairs = [
            (_one(r, "coproduced.yes", "send.plus"), _one(r, "meeting.on_time", "meeting.due"))
            for r in settings
        ]
        story.append(
            _Chart(
                _bars(
                    [r.name for r in settings],
                    [[_v(p[0]) for p in pairs], [_v(p[1]) for p in pairs]],
                    [ON_TIME, SECOND],
                    ["Plans co-produced", "Meetings by the deadline"],
                )
            )
        )
        story.append(Spacer(1, 6))
        story.append(
            _table(
                ["Setting", "SEN support+", "Co-produced", "Meetings on time", "Waiting"],
                [
                    [
                        r.name,
                        _count(r, "send.plus"),
                        _rate_text(p[0]),
                        _rate_text(p[1]),
                        _count(r, "waiting.yes"),
                    ]
                    for r, p in zip(settings, pairs, strict=True)
                ],
                [0.28, 0.14, 0.2, 0.23, 0.15],
            )
        )
    status = "; ".join(f"{label} {_total_text(t)}" for label, t in insight.send_status())
    story.append(Paragraph(markup(f"Children due, by SEND status (LA-wide): {status}."), _NOTE))
    return story


def _schools(insight: LaInsight) -> list[Flowable]:
    from models.la.returns import SCHOOL

    soon = insight.rate("read_soon", SCHOOL)
    story = _head(
        "Receiving schools",
        "Records received and read at school",
        f"LA-wide: schools received {_total_text(insight.total('received.total', SCHOOL))} records "
        f"that verified; {_rate_text(soon)} were read within two weeks of arriving. "
        f"{_total_text(insight.total('quarantined.total', SCHOOL))} files were quarantined and "
        f"{_rate_text(insight.rate('senco_overdue', SCHOOL))} of the SENCO queue items are overdue. "
        f"Settings' own receipts say {_rate_text(insight.rate('read'))} of the records they sent were read.",
    )
    schools = [a.content for a in insight.schools]
    if schools:
        rates = [_one(r, "read.within_two_weeks", "received.total") for r in schools]
        story.append(
            _Chart(
                _bars(
                    [r.name for r in schools],
                    [[_v(x) for x in rates]],
                    [ON_TIME],
                    ["Read within two weeks"],
                    figures=[_rate_text(x) for x in rates],
                )
            )
        )
        story.append(Spacer(1, 6))
        story.append(
            _table(
                [
                    "School",
                    "Received",
                    "Read in 2 weeks",
                    "Quarantined",
                    "SENCO overdue",
                    "Outcomes sent",
                ],
                [
                    [
                        r.name,
                        _count(r, "received.total"),
                        _count(r, "read.within_two_weeks"),
                        _count(r, "quarantined.total"),
                        _count(r, "senco.overdue"),
                        _count(r, "outcomes.children"),
                    ]
                    for r in schools
                ],
                [0.25, 0.15, 0.15, 0.15, 0.15, 0.15],
            )
        )
    else:
        story.append(Paragraph("No school has sent a return yet.", QUIET))
    story.append(
        KeepTogether(
            [
                Paragraph("Files quarantined, by reason (LA-wide)", KICKER),
                _table(
                    ["Reason", "Files"],
                    [[label, _total_text(t)] for label, t in insight.quarantine()],
                    [0.6, 0.4],
                ),
            ]
        )
    )
    return story


def _gld(insight: LaInsight) -> list[Flowable]:
    rows = insight.gld()
    target = insight.gld_target
    everyone = rows[0].rate if rows else None
    story = _head(
        "Outcomes at the end of Reception",
        "Good level of development, by group",
        "LA-wide, from the EYFS profile outcomes schools returned to settings this year"
        + (f", against the LA's target of {target:g}%" if target is not None else "")
        + (
            f": {_rate_text(everyone)} of all children reached a good level of development."
            if everyone
            else "."
        ),
    )
    story.append(
        _Chart(
            _bars(
                [g.label for g in rows],
                [[_v(g.rate) for g in rows]],
                [ON_TIME],
                ["Good level of development"],
                figures=[_rate_text(g.rate) for g in rows],
                target=target,
            )
        )
    )
    story.append(Spacer(1, 6))
    story.append(
        _table(
            ["Group", "GLD", "Gap to target (points)", "Gap to all children (points)"],
            [
                [
                    g.label,
                    _rate_text(g.rate),
                    _signed(g.gap_to_target),
                    "" if g.group == "all" else _signed(gap_to_all(rows, g.group)),
                ]
                for g in rows
            ],
            [0.34, 0.26, 0.2, 0.2],
        )
    )
    settings = [a.content for a in insight.settings]
    if settings:
        per = []
        for r in settings:
            mine = gld_rows([r], r.gld_target)
            per.append([r.name, *(_pct_only(g.rate) for g in mine)])
        story.append(Paragraph("By setting", KICKER))
        story.append(
            _table(
                ["Setting", "All", "Boys", "FSM", "SEND", "EAL"],
                per,
                [0.35, 0.13, 0.13, 0.13, 0.13, 0.13],
                small=True,
            )
        )
    return story


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+g}"


def render_la_report_pdf(insight: LaInsight, *, la_name: str, generated_on: datetime) -> bytes:
    """The board report as PDF bytes."""
    register_fonts()
    pages = [
        _overview(insight, la_name),
        _sent(insight),
        _missing(insight),
        _send(insight),
        _schools(insight),
        _gld(insight),
    ]
    story: list[Flowable] = []
    for n, page in enumerate(pages):
        if n:
            story.append(PageBreak())
        story.extend(page)
    story.append(Spacer(1, 8))
    story.append(
        Paragraph(
            markup(
                "Every figure comes from returns signed by settings and schools with "
                "certificates the LA issued; a return that did not verify is listed "
                "on the first page and counted nowhere."
            ),
            _NOTE,
        )
    )
    generated = f"Generated {date_text(generated_on.date())}"
    furniture = PageFurniture(
        header_left=f"{la_name} · {insight.period.label}",
        header_right=generated,
        footer_left=f"{TITLE} · counts only, small counts suppressed",
        note_lines=(),
    )
    info = DocumentInfo(
        title=TITLE,
        author=la_name,
        subject=f"Transitions returns {insight.period.label}",
        created=generated_on,
    )
    return build_pdf(story, furniture, Structure(), info)
