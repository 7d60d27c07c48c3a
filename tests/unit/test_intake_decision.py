"""The school's intake decision, stage by stage, without a vault or a PDF: every branch of
:mod:`models.school.intake_decision`, and the closed codes it returns."""

from __future__ import annotations

import pytest

from models.errors import Refusal
from models.school.intake_decision import (
    Accept,
    Opening,
    Placement,
    Quarantine,
    QuarantineKind,
    Refuse,
    Seen,
    check_opening,
    check_record,
    check_seen,
    on_verdict,
    place,
)
from models.verdict import Verdict

NAME = "kit-hartley.pdf"
CHILD = "Kit Hartley"


# --- stage 1: seen before ---------------------------------------------------------------------


def test_a_new_file_goes_on() -> None:
    assert check_seen(NAME, Seen()) is None


def test_the_same_file_imported_before_is_refused_naming_the_first() -> None:
    refused = check_seen(NAME, Seen(imported_as="first-name.pdf"))
    assert refused == Refuse(
        Refusal.DUPLICATE,
        "kit-hartley.pdf was already imported (it is the same file as first-name.pdf).",
    )


def test_a_file_already_in_quarantine_is_refused() -> None:
    refused = check_seen(NAME, Seen(in_quarantine=True))
    assert refused == Refuse(Refusal.IN_QUARANTINE, "kit-hartley.pdf is already in quarantine.")


def test_imported_wins_over_quarantined() -> None:
    refused = check_seen(NAME, Seen(imported_as="a.pdf", in_quarantine=True))
    assert refused is not None
    assert refused.refusal is Refusal.DUPLICATE


# --- stage 2: opening -------------------------------------------------------------------------


def test_an_opened_file_goes_on() -> None:
    assert check_opening(NAME, Opening.OPENED) is None
    assert check_opening(NAME, Opening.OPENED, "ignored") is None


def test_a_password_problem_is_coded_and_keeps_the_readers_sentence() -> None:
    refused = check_opening(NAME, Opening.PASSWORD, "The password is wrong.")
    assert refused == Refuse(Refusal.PASSWORD, "kit-hartley.pdf: The password is wrong.")
    bare = check_opening(NAME, Opening.PASSWORD)
    assert bare is not None
    assert bare.refusal is Refusal.PASSWORD
    assert bare.reason.startswith(NAME)


def test_a_damaged_file_is_refused() -> None:
    assert check_opening(NAME, Opening.DAMAGED) == Refuse(
        Refusal.DAMAGED, "kit-hartley.pdf is damaged and cannot be read as a PDF."
    )
    detailed = check_opening(NAME, Opening.DAMAGED, "It is odd.")
    assert detailed == Refuse(Refusal.DAMAGED, "kit-hartley.pdf: It is odd.")


def test_a_file_for_another_certificate_says_to_ask_again() -> None:
    refused = check_opening(NAME, Opening.OTHER_KEY)
    assert refused is not None
    assert refused.refusal is Refusal.NO_KEY
    assert "cannot be decrypted with this school's keys" in refused.reason
    assert "school key add" in refused.reason


def test_a_file_for_the_school_without_a_key_says_to_add_it() -> None:
    refused = check_opening(NAME, Opening.NO_KEYS)
    assert refused is not None
    assert refused.refusal is Refusal.NO_KEY
    assert "holds no decryption key yet" in refused.reason


def test_every_opening_but_opened_is_refused() -> None:
    for opening in Opening:
        refused = check_opening(NAME, opening)
        assert (refused is None) is (opening is Opening.OPENED)


# --- stage 3: the verdict ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "decision"),
    [
        (Verdict.VALID, Accept()),
        (Verdict.UNVOUCHED, Quarantine(QuarantineKind.UNVOUCHED)),
        (Verdict.INVALID, Quarantine(QuarantineKind.INVALID)),
    ],
)
def test_verdict_decides_accept_or_quarantine(verdict: Verdict, decision: object) -> None:
    assert on_verdict(verdict) == decision


def test_only_an_unvouched_quarantine_can_be_released() -> None:
    assert QuarantineKind.UNVOUCHED.releasable
    assert not QuarantineKind.INVALID.releasable
    assert [k.value for k in QuarantineKind] == ["unvouched", "invalid"]  # kept in the vault


# --- stage 4: the record ----------------------------------------------------------------------


def _record(record_school_urn: str = "123456", twin_setting: str | None = None) -> Refuse | None:
    return check_record(
        NAME,
        CHILD,
        record_school_urn=record_school_urn,
        school_urn="123456",
        school_name="Ambridge Primary",
        twin_setting=twin_setting,
    )


def test_a_record_for_this_school_goes_on() -> None:
    assert _record() is None
    assert _record(record_school_urn="") is None  # no school named: not refused for that


def test_a_record_for_another_school_is_refused() -> None:
    assert _record(record_school_urn="654321") == Refuse(
        Refusal.OTHER_SCHOOL,
        "kit-hartley.pdf is a record for another school (URN 654321), not Ambridge Primary.",
    )


def test_a_second_record_of_a_child_in_the_class_is_refused() -> None:
    refused = _record(twin_setting="Hedgehogs Playgroup")
    assert refused is not None
    assert refused.refusal is Refusal.SECOND_RECORD
    assert "second record for Kit Hartley" in refused.reason
    assert "from Hedgehogs Playgroup" in refused.reason


def test_another_school_is_said_before_a_second_record() -> None:
    refused = _record(record_school_urn="654321", twin_setting="Hedgehogs Playgroup")
    assert refused is not None
    assert refused.refusal is Refusal.OTHER_SCHOOL


# --- stage 5: the version ---------------------------------------------------------------------


def test_a_first_version_or_a_later_one_is_filed() -> None:
    assert place(NAME, CHILD, version=1, held_version=None, packet="teacher") is Placement.VERSION
    assert place(NAME, CHILD, version=3, held_version=2, packet="teacher") is Placement.VERSION


def test_the_same_version_again_is_refused() -> None:
    refused = place(
        NAME,
        CHILD,
        version=2,
        held_version=2,
        packet="teacher",
        packets_held=frozenset({"teacher"}),
        same_record=True,
    )
    assert refused == Refuse(
        Refusal.NOT_NEWER,
        "kit-hartley.pdf is version 2 of Kit Hartley's record, which was already imported.",
    )


def test_the_other_packet_of_the_same_version_is_kept_beside_it() -> None:
    placed = place(
        NAME,
        CHILD,
        version=2,
        held_version=2,
        packet="senco",
        packets_held=frozenset({"teacher"}),
        same_record=True,
    )
    assert placed is Placement.OTHER_PACKET


def test_the_other_packet_of_a_different_record_is_refused() -> None:
    refused = place(
        NAME,
        CHILD,
        version=2,
        held_version=2,
        packet="senco",
        packets_held=frozenset({"teacher"}),
        same_record=False,
    )
    assert isinstance(refused, Refuse)
    assert refused.refusal is Refusal.NOT_NEWER


def test_a_version_held_before_packets_were_told_apart_is_refused() -> None:
    refused = place(NAME, CHILD, version=2, held_version=2, packet="senco", same_record=True)
    assert isinstance(refused, Refuse)


def test_an_older_version_is_refused() -> None:
    assert place(NAME, CHILD, version=1, held_version=2, packet="teacher") == Refuse(
        Refusal.NOT_NEWER,
        "kit-hartley.pdf is version 1 of Kit Hartley's record, older than version 2 already "
        "imported.",
    )
