"""The receiving school's side: class overview, SENCO queue and EYFS profile outcomes (no Qt)."""

from models.school.outcomes import (
    ChildOutcome,
    CohortStats,
    OutcomeRow,
    ParsedOutcomes,
    RowError,
    cohort_csv,
    cohort_stats,
    match_outcomes,
    outcomes_template_csv,
    parse_outcomes_csv,
)
from models.school.overview import (
    COLUMNS,
    OverviewCounts,
    OverviewRow,
    Provenance,
    count_rows,
    overview_rows,
)
from models.school.senco import QueueItem, QueueKind, senco_queue

__all__ = [
    "COLUMNS",
    "ChildOutcome",
    "CohortStats",
    "OutcomeRow",
    "OverviewCounts",
    "OverviewRow",
    "ParsedOutcomes",
    "Provenance",
    "QueueItem",
    "QueueKind",
    "RowError",
    "cohort_csv",
    "cohort_stats",
    "count_rows",
    "match_outcomes",
    "outcomes_template_csv",
    "overview_rows",
    "parse_outcomes_csv",
    "senco_queue",
]
