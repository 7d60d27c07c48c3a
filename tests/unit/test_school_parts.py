"""SchoolService is a facade over parts (trust, intake, records, receipts, outcomes) on one store
of blobs: its public surface stays what the window and the CLI call, each call reaches a part
with the same signature, and no part grows back into a god object."""

from __future__ import annotations

import inspect
from pathlib import Path

from transitions_app.services import (
    school_intake,
    school_outcomes,
    school_receipts,
    school_records,
    school_trust,
)
from transitions_app.services.school_service import SchoolService

#: The public surface before the split (the window, the CLI and the LA service use these), and
#: since: class_summary_pdf (the signed class summary).
PUBLIC = {
    "ENTERED_OUTCOMES_BLOB", "add_decryption_key", "class_summary_pdf", "close", "create",
    "decryption_keys",
    "discard", "entered_outcomes", "entered_outcomes_csv", "identity", "import_files", "info",
    "is_headteacher", "mark_reviewed", "outcome_files", "outcome_summaries",
    "outcomes_template_csv", "overview", "pdf_files_in", "provenance", "quarantine",
    "read_record", "readable_pdf", "reads", "receipt", "received_file", "received_packets",
    "received_pages", "received_settings", "records", "release", "save_entered_outcomes",
    "save_outcome_files", "save_outcomes_template", "save_receipt", "save_received_file",
    "senco_queue", "senco_reviews", "set_identity_p12", "set_trust", "trust", "vault",
}  # fmt: skip

PARTS = {
    school_trust.SchoolTrust,
    school_intake.SchoolIntake,
    school_records.SchoolRecords,
    school_receipts.SchoolReceipts,
    school_outcomes.SchoolOutcomes,
}


def test_the_facade_keeps_its_public_surface() -> None:
    assert {n for n in dir(SchoolService) if not n.startswith("_")} == PUBLIC


def test_each_delegated_call_has_the_parts_signature() -> None:
    for name in sorted(PUBLIC):
        facade = inspect.getattr_static(SchoolService, name)
        if not inspect.isfunction(facade):
            continue
        owners = [part for part in PARTS if name in vars(part)]
        assert len(owners) <= 1, name  # one part does each thing
        for part in owners:
            ours = inspect.signature(getattr(SchoolService, name))
            theirs = inspect.signature(getattr(part, name))
            assert list(ours.parameters) == list(theirs.parameters), name
            assert ours.return_annotation == theirs.return_annotation, name


def test_no_school_module_is_a_god_object_again() -> None:
    folder = Path(school_trust.__file__).parent
    for path in sorted(folder.glob("school_*.py")):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, path.name
