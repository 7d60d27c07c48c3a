"""What the school screens need from a logged-in school session.

``transitions_app.services.school_service.SchoolService`` satisfies these protocols; the widgets
are typed against them and never import storage or signing code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from models.school import OverviewCounts, OverviewRow, QueueItem


class QuarantineLike(Protocol):
    @property
    def file(self) -> str: ...

    @property
    def reason(self) -> str: ...


class OverviewLike(Protocol):
    @property
    def rows(self) -> list[OverviewRow]: ...

    @property
    def counts(self) -> OverviewCounts: ...

    @property
    def quarantine(self) -> Sequence[QuarantineLike]: ...


class SchoolViews(Protocol):
    def overview(self) -> OverviewLike: ...

    def senco_queue(self, today: date | None = None) -> list[QueueItem]: ...
