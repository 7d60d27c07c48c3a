"""EYFS profile outcomes: reading the school's CSV, and cohort figures for a setting.

CSV columns (one row per child, a header row first; column names are case-insensitive)
------------------------------------------------------------------------------------------
=============  ===========================================================================
``UPN``        the child's unique pupil number (as in the record), or empty
``RecordID``   the transition record's id (from the record's JSON), or empty;
               at least one of UPN and RecordID is needed to match the child
``Forename``   optional, shown in messages only
``Surname``    optional, shown in messages only
``GLD``        good level of development: ``Y`` or ``N``
``ELG01`` ..   the 17 early learning goals in the statutory order (see :data:`ELG_COLUMNS`):
``ELG17``      ``expected`` / ``emerging``, or the EYFSP codes ``2`` (expected) / ``1`` (emerging)
=============  ===========================================================================

ELG01 Listening, attention and understanding; ELG02 Speaking; ELG03 Gross motor skills;
ELG04 Fine motor skills; ELG05 Self-regulation; ELG06 Managing self; ELG07 Building relationships;
ELG08 Comprehension; ELG09 Word reading; ELG10 Writing; ELG11 Number; ELG12 Numerical patterns;
ELG13 Past and present; ELG14 People, culture and communities; ELG15 The natural world;
ELG16 Creating with materials; ELG17 Being imaginative and expressive.

A GLD of ``Y`` must agree with the ELGs: every goal of the prime areas, literacy and mathematics
(ELG01-ELG12) at expected. Each bad row gives its own error with its line number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.flags import derive_flags
from models.framework.v1 import AREAS, GLD_AREAS, NOT_ON_TRACK
from models.record import Record, is_record_id
from models.safe_output import csv_cell, csv_row

# (CSV column, aspect key as in learning.<key> and outcome.elg_<key>, label, counts towards GLD)
ELG_COLUMNS: tuple[tuple[str, str, str, bool], ...] = tuple(
    (f"ELG{n:02d}", aspect, label, gld)
    for n, (aspect, label, gld) in enumerate(
        (
            (f"{area}_{key}", label, area in GLD_AREAS)
            for area, _title, _prime, aspects in AREAS
            for key, label, _d in aspects
        ),
        start=1,
    )
)
ASPECTS: tuple[str, ...] = tuple(a for _c, a, _l, _g in ELG_COLUMNS)
ASPECT_LABELS: dict[str, str] = {a: label for _c, a, label, _g in ELG_COLUMNS}
GLD_ASPECTS: tuple[str, ...] = tuple(a for _c, a, _l, g in ELG_COLUMNS if g)
EXPECTED, EMERGING = "expected", "emerging"
_VALUES = {
    "expected": EXPECTED,
    "2": EXPECTED,
    "exp": EXPECTED,
    "emerging": EMERGING,
    "1": EMERGING,
    "emg": EMERGING,
}
_YES, _NO = {"y", "yes", "1", "true"}, {"n", "no", "0", "false"}
MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
GROUPS: tuple[tuple[str, str], ...] = (
    ("all", "All children"),
    ("boys", "Boys"),
    ("fsm", "FSM / EYPP"),
    ("send", "SEND (SEN support or above)"),
    ("eal", "EAL"),
)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 1-based line in the file (the header is line 1); 0 for the whole file
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    line: int
    upn: str
    record_id: str
    name: str
    gld: bool
    elgs: dict[str, str]  # aspect key -> expected/emerging


@dataclass(frozen=True, slots=True)
class ParsedOutcomes:
    rows: list[OutcomeRow]
    errors: list[RowError]


def parse_outcomes_csv(data: bytes | str) -> ParsedOutcomes:
    """Read the school's EYFSP CSV. Never raises: problems come back as :class:`RowError`."""
    if isinstance(data, bytes):
        if len(data) > MAX_CSV_BYTES:
            return ParsedOutcomes(
                [], [RowError(0, "The outcomes file is too large to be an EYFSP return.")]
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ParsedOutcomes(
                [], [RowError(0, "The outcomes file is not UTF-8 text (save it as CSV UTF-8).")]
            )
    else:
        text = data.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return ParsedOutcomes([], [RowError(0, "The outcomes file is empty.")])
    except csv.Error as exc:
        return ParsedOutcomes([], [RowError(1, f"the header cannot be read ({exc}).")])
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [
        c for c in ("GLD", *(col for col, _a, _l, _g in ELG_COLUMNS)) if c.lower() not in index
    ]
    if "upn" not in index and "recordid" not in index:
        missing.insert(0, "UPN or RecordID")
    if missing:
        return ParsedOutcomes(
            [], [RowError(1, f"the header is missing the column(s) {', '.join(missing)}.")]
        )
    rows: list[OutcomeRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    line = 1
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                errors.append(RowError(line, f"more than {MAX_ROWS} children; split the file."))
                break
            row = _row(line, cells, index, errors)
            if row is None:
                continue
            key = row.record_id or row.upn
            if key in seen:
                errors.append(RowError(line, f"the same child as line {seen[key]} appears again."))
                continue
            seen[key] = line
            rows.append(row)
    except csv.Error as exc:
        errors.append(RowError(line + 1, f"the line cannot be read as CSV ({exc})."))
    return ParsedOutcomes(rows, errors)


def _cell(cells: Sequence[str], index: Mapping[str, int], name: str) -> str:
    i = index.get(name.lower())
    return cells[i].strip() if i is not None and i < len(cells) else ""


def _row(
    line: int, cells: Sequence[str], index: Mapping[str, int], errors: list[RowError]
) -> OutcomeRow | None:
    upn = _cell(cells, index, "UPN").upper()
    record_id = _cell(cells, index, "RecordID")
    name = " ".join(
        p for p in (_cell(cells, index, "Forename"), _cell(cells, index, "Surname")) if p
    )
    who = f" ({name})" if name else ""
    if not upn and not record_id:
        errors.append(RowError(line, f"the child{who} has neither a UPN nor a RecordID."))
        return None
    if record_id and not is_record_id(record_id):
        errors.append(
            RowError(
                line, f"the RecordID of the child{who} is not a record id; copy it from the sheet."
            )
        )
        return None
    gld_text = _cell(cells, index, "GLD").lower()
    if gld_text in _YES:
        gld = True
    elif gld_text in _NO:
        gld = False
    else:
        errors.append(RowError(line, f"GLD must be Y or N for the child{who}, not “{gld_text}”."))
        return None
    elgs: dict[str, str] = {}
    bad: list[str] = []
    for col, aspect, _label, _g in ELG_COLUMNS:
        value = _VALUES.get(_cell(cells, index, col).lower())
        if value is None:
            bad.append(col)
        else:
            elgs[aspect] = value
    if bad:
        errors.append(
            RowError(
                line, f"{', '.join(bad)} must be expected or emerging (2 or 1) for the child{who}."
            )
        )
        return None
    reaches = all(elgs[a] == EXPECTED for a in GLD_ASPECTS)
    if gld != reaches:
        why = (
            "but not every goal from ELG01 to ELG12 is expected"
            if gld
            else "but every goal from ELG01 to ELG12 is expected"
        )
        errors.append(RowError(line, f"GLD is {'Y' if gld else 'N'} for the child{who} {why}."))
        return None
    return OutcomeRow(line, upn, record_id, name, gld, elgs)


# ---------------------------------------------------------------------------------------------
# One child's outcome as returned to the setting, with what the cohort figures need.


@dataclass(frozen=True, slots=True)
class ChildOutcome:
    record_id: str
    setting_urn: str
    setting_name: str
    groups: frozenset[str]  # of "boys", "fsm", "send", "eal"
    gld: bool
    elgs: dict[str, str]
    # aspect -> the setting's own judgement (its learning.* scale value)
    judgements: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "setting_urn": self.setting_urn,
            "setting_name": self.setting_name,
            "groups": sorted(self.groups),
            "gld": self.gld,
            "elgs": dict(self.elgs),
            "judgements": dict(self.judgements),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChildOutcome:
        from models.errors import InterchangeError

        try:
            groups = frozenset(str(g) for g in data["groups"])
            elgs = {str(k): str(v) for k, v in dict(data["elgs"]).items()}
            judgements = {str(k): str(v) for k, v in dict(data.get("judgements", {})).items()}
            out = cls(
                record_id=str(data["record_id"]),
                setting_urn=str(data.get("setting_urn", "")),
                setting_name=str(data.get("setting_name", "")),
                groups=groups,
                gld=bool(data["gld"]),
                elgs=elgs,
                judgements=judgements,
            )
        except (KeyError, TypeError, ValueError):
            raise InterchangeError("An outcome in the file is incomplete or not valid.") from None
        if set(elgs) != set(ASPECTS) or not set(elgs.values()) <= {EXPECTED, EMERGING}:
            raise InterchangeError(
                "An outcome in the file does not give all 17 early learning goals."
            )
        if not groups <= {g for g, _ in GROUPS}:
            raise InterchangeError("An outcome in the file names a group this app does not know.")
        return out


def child_groups(record: Record) -> frozenset[str]:
    flags = derive_flags(record)
    chosen = {"boys": flags.boy, "fsm": flags.fsm, "send": flags.send, "eal": flags.eal}
    return frozenset(k for k, on in chosen.items() if on)


def child_outcome(record: Record, row: OutcomeRow) -> ChildOutcome:
    return ChildOutcome(
        record_id=record.id,
        setting_urn=str(record.get("child.setting_urn") or ""),
        setting_name=str(record.get("child.setting_name") or ""),
        groups=child_groups(record),
        gld=row.gld,
        elgs=dict(row.elgs),
        judgements={
            a: str(record.get(f"learning.{a}")) for a in ASPECTS if record.get(f"learning.{a}")
        },
    )


def match_outcomes(
    rows: Iterable[OutcomeRow], records: Iterable[Record]
) -> tuple[list[ChildOutcome], list[RowError]]:
    """Pair each CSV row with a received record, by RecordID first, then by UPN."""
    by_id = {r.id: r for r in records}
    by_upn = {str(r.get("child.upn")).upper(): r for r in by_id.values() if r.get("child.upn")}
    done: list[ChildOutcome] = []
    errors: list[RowError] = []
    for row in rows:
        record = by_id.get(row.record_id) if row.record_id else by_upn.get(row.upn)
        if record is None:
            who = f" ({row.name})" if row.name else ""
            errors.append(RowError(row.line, f"no received record matches the child{who}."))
            continue
        done.append(child_outcome(record, row))
    return done, errors


# ---------------------------------------------------------------------------------------------
# Cohort figures.


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


@dataclass(frozen=True, slots=True)
class GroupFigure:
    group: str
    label: str
    children: int
    gld: int

    @property
    def gld_percent(self) -> float | None:
        return percent(self.gld, self.children)


@dataclass(frozen=True, slots=True)
class ElgFigure:
    aspect: str
    label: str
    expected: int
    children: int

    @property
    def expected_percent(self) -> float | None:
        return percent(self.expected, self.children)


@dataclass(frozen=True, slots=True)
class Agreement:
    """How the setting's judgement for one aspect compared with the end-of-Reception outcome."""

    aspect: str
    label: str
    on_track_expected: int
    on_track_emerging: int
    support_expected: int  # the setting judged some or targeted support needed
    support_emerging: int
    not_judged: int  # not assessed, or no judgement in the record

    @property
    def compared(self) -> int:
        return (
            self.on_track_expected
            + self.on_track_emerging
            + self.support_expected
            + self.support_emerging
        )

    @property
    def agreement_percent(self) -> float | None:
        return percent(self.on_track_expected + self.support_emerging, self.compared)


@dataclass(frozen=True, slots=True)
class CohortStats:
    groups: list[GroupFigure]
    elgs: list[ElgFigure]
    agreement: list[Agreement]

    def group(self, key: str) -> GroupFigure:
        for g in self.groups:
            if g.group == key:
                return g
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "gld": [
                {
                    "group": g.group,
                    "label": g.label,
                    "children": g.children,
                    "gld": g.gld,
                    "gld_percent": g.gld_percent,
                }
                for g in self.groups
            ],
            "elgs": [
                {
                    "aspect": e.aspect,
                    "label": e.label,
                    "expected": e.expected,
                    "children": e.children,
                    "expected_percent": e.expected_percent,
                }
                for e in self.elgs
            ],
            "agreement": [
                {
                    "aspect": a.aspect,
                    "label": a.label,
                    "on_track_expected": a.on_track_expected,
                    "on_track_emerging": a.on_track_emerging,
                    "support_expected": a.support_expected,
                    "support_emerging": a.support_emerging,
                    "not_judged": a.not_judged,
                    "agreement_percent": a.agreement_percent,
                }
                for a in self.agreement
            ],
        }


COHORT_CSV_HEADER = (
    "Table",
    "Group or goal",
    "Children",
    "Reached",
    "Percent",
    "LA target percent",
)


def cohort_csv(stats: CohortStats, target: float | None = None) -> bytes:
    """The cohort figures as one CSV for a spreadsheet (UTF-8 with BOM, so Excel reads it).

    Rows: ``GLD`` per priority group (reached = children reaching GLD, with the LA target),
    ``ELG`` per early learning goal (reached = at the expected level), and ``Agreement`` per
    aspect (children = compared, reached = where the setting's judgement matched the outcome).
    """

    def num(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row(COHORT_CSV_HEADER))
    for g in stats.groups:
        writer.writerow(
            csv_row(["GLD", g.label, g.children, g.gld, num(g.gld_percent), num(target)])
        )
    for e in stats.elgs:
        writer.writerow(
            csv_row(["ELG", e.label, e.children, e.expected, num(e.expected_percent), ""])
        )
    for a in stats.agreement:
        agreed = a.on_track_expected + a.support_emerging
        writer.writerow(
            csv_row(["Agreement", a.label, a.compared, agreed, num(a.agreement_percent), ""])
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def cohort_stats(children: Sequence[ChildOutcome]) -> CohortStats:
    groups = []
    for key, label in GROUPS:
        members = [c for c in children if key == "all" or key in c.groups]
        groups.append(GroupFigure(key, label, len(members), sum(c.gld for c in members)))
    elgs = [
        ElgFigure(
            a, ASPECT_LABELS[a], sum(c.elgs.get(a) == EXPECTED for c in children), len(children)
        )
        for a in ASPECTS
    ]
    agreement = []
    for a in ASPECTS:
        cells = {"ote": 0, "otm": 0, "se": 0, "sm": 0, "nj": 0}
        for c in children:
            judged = c.judgements.get(a)
            expected = c.elgs.get(a) == EXPECTED
            if judged == "on_track":
                cells["ote" if expected else "otm"] += 1
            elif judged in NOT_ON_TRACK:
                cells["se" if expected else "sm"] += 1
            else:
                cells["nj"] += 1
        agreement.append(
            Agreement(
                a,
                ASPECT_LABELS[a],
                cells["ote"],
                cells["otm"],
                cells["se"],
                cells["sm"],
                cells["nj"],
            )
        )
    return CohortStats(groups, elgs, agreement)


# ---------------------------------------------------------------------------------------------
# A blank sheet for the school to fill in.

#: The columns of the blank sheet, in order: what identifies the child, then the outcomes.
TEMPLATE_COLUMNS: tuple[str, ...] = (
    "RecordID",
    "UPN",
    "Forename",
    "Surname",
    "GLD",
    *(col for col, _a, _l, _g in ELG_COLUMNS),
)


def _sheet_text(value: object) -> str:
    """A name on one line (names only appear in messages); :func:`csv_cell` keeps it from
    being a formula."""
    return " ".join(str(value or "").split())


def outcomes_template_csv(records: Iterable[Record]) -> bytes:
    """A blank EYFSP outcomes sheet, one row per received child, for :func:`parse_outcomes_csv`.

    Each row has the record's id, its UPN if known and the legal name; ``GLD`` and ``ELG01`` ..
    ``ELG17`` are empty for the teacher to fill in (``Y``/``N``, ``expected``/``emerging``).
    UTF-8 with a BOM, so Excel opens it and saves it back as CSV UTF-8. Children are in surname
    order. An unfilled row is reported by the import as a row error, so nothing half-done is sent.
    """
    rows = sorted(
        records,
        key=lambda r: (
            str(r.get("child.legal_surname") or "").casefold(),
            str(r.get("child.legal_forenames") or "").casefold(),
            r.id,
        ),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row(TEMPLATE_COLUMNS))
    blanks = [""] * (len(TEMPLATE_COLUMNS) - 4)
    for record in rows:
        writer.writerow(
            csv_row(
                [
                    record.id,
                    str(record.get("child.upn") or "").strip().upper(),
                    _sheet_text(record.get("child.legal_forenames")),
                    _sheet_text(record.get("child.legal_surname")),
                    *blanks,
                ]
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Outcomes entered in the app rather than in a spreadsheet.

#: What the school has entered so far: record id -> aspect key -> expected/emerging. A child
#: with fewer than 17 goals is not complete; a goal not yet entered is simply absent.
EnteredOutcomes = dict[str, dict[str, str]]


@dataclass(frozen=True, slots=True)
class EntryChild:
    """One received child as the entry grid lists them (in the blank sheet's order)."""

    record_id: str
    name: str
    setting_name: str
    setting_urn: str


def entry_children(records: Iterable[Record]) -> list[EntryChild]:
    """The children of :func:`outcomes_template_csv`, in the same surname order."""
    ordered = sorted(
        records,
        key=lambda r: (
            str(r.get("child.legal_surname") or "").casefold(),
            str(r.get("child.legal_forenames") or "").casefold(),
            r.id,
        ),
    )
    out = []
    for record in ordered:
        legal = " ".join(
            str(record.get(p) or "").strip()
            for p in ("child.legal_forenames", "child.legal_surname")
        ).strip()
        out.append(
            EntryChild(
                record_id=record.id,
                name=" ".join(legal.split()) or record.display_name,
                setting_name=str(record.get("child.setting_name") or ""),
                setting_urn=str(record.get("child.setting_urn") or ""),
            )
        )
    return out


def derived_gld(elgs: Mapping[str, str]) -> bool | None:
    """GLD as the DfE defines it: reached when every goal of the prime areas, literacy and
    mathematics (:data:`GLD_ASPECTS`) is expected. ``False`` as soon as one of them is
    emerging; ``None`` while one of them is not yet entered and none is emerging."""
    values = [elgs.get(a) for a in GLD_ASPECTS]
    if EMERGING in values:
        return False
    if all(v == EXPECTED for v in values):
        return True
    return None


def is_complete(elgs: Mapping[str, str]) -> bool:
    """Every one of the 17 goals is entered (expected or emerging)."""
    return all(elgs.get(a) in (EXPECTED, EMERGING) for a in ASPECTS)


def clean_entered(raw: object) -> EnteredOutcomes:
    """Check entered outcomes: a mapping of record id to a mapping of aspect keys to
    expected/emerging. Raises ``ValueError`` with a plain sentence for anything else.
    Children with nothing entered are left out."""
    if not isinstance(raw, Mapping):
        raise ValueError("The entered outcomes are not a list of children.")
    out: EnteredOutcomes = {}
    for record_id, elgs in raw.items():
        if not isinstance(record_id, str) or not record_id:
            raise ValueError("An entered outcome does not say which child it is for.")
        if not isinstance(elgs, Mapping):
            raise ValueError(f"The entered outcomes for record {record_id} are not valid.")
        child: dict[str, str] = {}
        for aspect, value in elgs.items():
            if aspect not in ASPECT_LABELS:
                raise ValueError(f"“{aspect}” is not an early learning goal.")
            if value not in (EXPECTED, EMERGING):
                raise ValueError(
                    f"{ASPECT_LABELS[aspect]} must be expected or emerging, not “{value}”."
                )
            child[aspect] = value
        if child:
            out[record_id] = {a: child[a] for a in ASPECTS if a in child}
    return out


def filled_outcomes_csv(
    records: Iterable[Record], entered: Mapping[str, Mapping[str, str]]
) -> bytes:
    """The blank sheet of :func:`outcomes_template_csv` with the entered outcomes filled in, for
    :func:`parse_outcomes_csv` (one definition of the format: the sheet's own rows and columns).

    A complete child gets every ELG and the GLD worked out from them (:func:`derived_gld`); a
    child not yet complete keeps the empty cells, which the import reports as a row to fix.
    """
    sheet = outcomes_template_csv(records).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(sheet, newline=""))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(TEMPLATE_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for row in reader:
        elgs = entered.get(row["RecordID"], {})
        for col, aspect, _label, _g in ELG_COLUMNS:
            row[col] = elgs.get(aspect, "")
        if is_complete(elgs):
            row["GLD"] = "Y" if derived_gld(elgs) else "N"
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return ("\ufeff" + out.getvalue()).encode("utf-8")
