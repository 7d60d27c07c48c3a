"""Small-count suppression for the anonymous returns to the local authority.

A return publishes counts of children (and of records and files about them). A count from 1 to 4
could point to a child, so it is *primary suppressed*. A suppressed count must also not be
recoverable from the figures that are shown: when a total and all but one of its parts are shown,
the hidden part is their difference, so a second cell is suppressed as well (*complementary
suppression*). Cells that are never shown but follow from those that are (for example the girls
in a group, "all children" less "boys") are checked in the same way: a small hidden count must
not be recoverable either.

The figures are modelled as linear equations between named cells (``total = part + part + ...``).
A cell is recoverable exactly when its unit vector lies in the row space of the equations
restricted to the unknown cells (the suppressed and the hidden ones); this is checked with exact
rational arithmetic. Cells are suppressed greedily, the smallest candidate first, until no small
count is recoverable. Zeros are shown (a zero names nobody).

It reasons about the equations, not about bounds: that counts are never negative narrows a set
of suppressed cells whose sum is shown to between 0 and that sum each, which names a value only
when the sum is 0 (and then none of them is a small count).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import gcd

SMALL_MIN = 1
SMALL_MAX = 4


def is_small(value: int) -> bool:
    return SMALL_MIN <= value <= SMALL_MAX


@dataclass(frozen=True, slots=True)
class Equation:
    """``total`` equals the sum of ``parts``."""

    total: str
    parts: tuple[str, ...]

    def cells(self) -> tuple[str, ...]:
        return (self.total, *self.parts)


def _echelon(rows: list[list[int]]) -> list[tuple[int, list[int]]]:
    """Integer row echelon form as (pivot column, row) pairs; rows kept small by their gcd."""
    out: list[tuple[int, list[int]]] = []
    for row in rows:
        row = _reduce(row, out)
        lead = next((i for i, v in enumerate(row) if v), None)
        if lead is not None:
            out.append((lead, row))
    return out


def _reduce(row: list[int], basis: list[tuple[int, list[int]]]) -> list[int]:
    """``row`` less every multiple of the basis rows it contains (exact, in integers)."""
    row = list(row)
    for col, pivot_row in basis:
        if row[col]:
            a, b = pivot_row[col], row[col]
            row = [a * x - b * y for x, y in zip(row, pivot_row, strict=True)]
            g = 0
            for v in row:
                g = gcd(g, v)
            if g > 1:
                row = [v // g for v in row]
    return row


def recoverable(cell: str, unknown: Iterable[str], equations: Sequence[Equation]) -> bool:
    """Whether ``cell`` (one of ``unknown``) follows from the equations once every cell not in
    ``unknown`` is known."""
    unknown_set = set(unknown)
    if cell not in unknown_set:
        return True
    # Only the equations linked to the cell through other unknown cells can say anything about it.
    component, linked, frontier = {cell}, [], [cell]
    pending = list(equations)
    while frontier:
        frontier.pop()
        rest = []
        for eq in pending:
            names = set(eq.cells()) & unknown_set
            if names & component:
                linked.append(eq)
                new = names - component
                component |= new
                frontier.extend(new)
            else:
                rest.append(eq)
        pending = rest
    unknowns = sorted(component)
    index = {name: i for i, name in enumerate(unknowns)}
    rows: list[list[int]] = []
    for eq in linked:
        row = [0] * len(unknowns)
        for name, sign in ((eq.total, 1), *((p, -1) for p in eq.parts)):
            if name in index:
                row[index[name]] += sign
        if any(row):
            rows.append(row)
    if not rows:
        return False
    unit = [0] * len(unknowns)
    unit[index[cell]] = 1
    return not any(_reduce(unit, _echelon(rows)))


def suppress(
    values: Mapping[str, int],
    equations: Sequence[Equation],
    *,
    shown: Iterable[str],
    sensitive: Iterable[str] | None = None,
    keep: Iterable[str] = (),
) -> frozenset[str]:
    """The shown cells to publish as suppressed.

    ``values`` holds every cell (shown and hidden); ``shown`` names the cells the return
    publishes; ``sensitive`` the cells whose small values must stay unknown (default: all);
    ``keep`` the totals many figures are read against, suppressed only when nothing else will do.
    """
    keep_set = set(keep)
    shown_set = set(shown)
    hidden = set(values) - shown_set
    protect = set(values) if sensitive is None else set(sensitive)
    small = {c for c in protect if is_small(values[c])}
    suppressed = {c for c in small & shown_set}
    related: dict[str, set[str]] = {c: set() for c in values}
    for eq in equations:
        for a in eq.cells():
            related.setdefault(a, set()).update(eq.cells())
    while True:
        unknown = suppressed | hidden
        exposed = sorted(c for c in small if recoverable(c, unknown, equations))
        if not exposed:
            break
        target = exposed[0]
        candidates = _candidates(target, unknown, related, shown_set - suppressed)
        if not candidates:  # cannot happen: the cell's own equations always offer one
            raise AssertionError(f"no complementary cell for {target}")
        # the smallest cell that protects the target on its own, else the smallest; a total in
        # ``keep`` only when no other cell is left to choose
        ordered = sorted(candidates - keep_set, key=lambda c: (values[c], c)) or sorted(
            candidates, key=lambda c: (values[c], c)
        )
        choice = next(
            (c for c in ordered if not recoverable(target, unknown | {c}, equations)),
            ordered[0],
        )
        suppressed.add(choice)
    # The greedy choice may leave cells suppressed that later ones made unnecessary: show again
    # every complementary cell (largest first) whose showing exposes nothing.
    primary = small & shown_set
    for cell in sorted(suppressed - primary, key=lambda c: (c not in keep_set, -values[c], c)):
        trial = (suppressed - {cell}) | hidden
        if not any(recoverable(c, trial, equations) for c in small):
            suppressed.discard(cell)
    return frozenset(suppressed)


def _candidates(
    target: str, unknown: set[str], related: Mapping[str, set[str]], published: set[str]
) -> set[str]:
    """Published cells in an equation with ``target`` or with an unknown cell linked to it."""
    seen = {target}
    frontier = [target]
    while frontier:
        cell = frontier.pop()
        for other in related.get(cell, ()):
            if other in unknown and other not in seen:
                seen.add(other)
                frontier.append(other)
    found: set[str] = set()
    for cell in seen:
        found |= related.get(cell, set()) & published
    return found
