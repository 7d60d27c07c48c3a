"""The setting profile: what it pre-fills, who may change it, display names on sign-offs, its JSON
read defensively, and ``records new`` on the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from models.errors import PermissionDenied, ValidationFailed
from models.readiness import readiness
from models.record import Person, SignOffScope
from models.roles import Role
from models.setting_profile import (
    Contact,
    SchoolContact,
    SettingProfile,
    StaffMember,
    name_and_urn_from_certificate,
    profile_from_bytes,
    profile_from_json,
)
from models.synthetic import generate_records
from models.vault import KdfParams
from transitions_app.cli import main
from transitions_app.services.profile_service import ProfileService
from transitions_app.services.vault_service import PROFILE_BLOB, VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "correct horse battery"

PROFILE = SettingProfile(
    name="Little Acorns Nursery (fictional)",
    urn="EY900001",
    setting_type="group",
    address="1 Example Lane, Northshire (fictional)",
    phone="01632 960000",
    email="office@little-acorns.example",
    senco=Contact("Robin Inclusionworth", "01632 960001"),
    dsl=Contact("Dana Safeguard", "01632 960002"),
    manager=Contact("Morgan Leader", "01632 960003", "manager@little-acorns.example"),
    school_contact=SchoolContact.KEY_PERSON,
    staff=(
        StaffMember("kim", "Kim Keyworth", "Room leader"),
        StaffMember("sam", "Sam Manager", "Nursery manager"),
    ),
)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    directory = tmp_path / "vault"
    service, _key = VaultService.create(directory, "sam", PASSWORD, kdf=FAST)
    service.add_user("kim", Role.PRACTITIONER, PASSWORD)
    service.add_user("robin", Role.SENCO, PASSWORD)
    service.close()
    return directory


def login(directory: Path, name: str) -> VaultService:
    return VaultService.open(directory, name, PASSWORD, sleeper=lambda _s: None)


# --- the model ------------------------------------------------------------------------------------


def test_prefill_for_a_key_person_names_them_and_the_setting() -> None:
    values = PROFILE.prefill("kim", Role.PRACTITIONER)
    assert values["child.setting_name"] == "Little Acorns Nursery (fictional)"
    assert values["child.setting_urn"] == "EY900001"
    assert values["child.setting_type"] == "group"
    key = Person(
        "Kim Keyworth",
        "Room leader",
        "Little Acorns Nursery (fictional)",
        "01632 960000, office@little-acorns.example",
    )
    assert values["child.key_person"] == key
    assert values["transition.setting_contact"] == key


def test_prefill_by_a_manager_leaves_the_key_persons_name_to_them() -> None:
    values = SettingProfile(
        name="Little Acorns Nursery (fictional)",
        phone="01632 960000",
        manager=Contact("Morgan Leader", "01632 960003"),
        school_contact=SchoolContact.MANAGER,
    ).prefill("sam", Role.MANAGER)
    assert values["child.key_person"] == Person(
        "", "", "Little Acorns Nursery (fictional)", "01632 960000"
    )
    assert values["transition.setting_contact"] == Person(
        "Morgan Leader", "Manager", "Little Acorns Nursery (fictional)", "01632 960003"
    )
    assert "child.setting_type" not in values  # not chosen: nothing filled in
    assert SettingProfile().prefill("sam", Role.MANAGER) == {}


def test_json_round_trip_and_defensive_reading() -> None:
    assert profile_from_bytes(PROFILE.to_bytes()) == PROFILE
    good = PROFILE.to_json()
    for bad, why in (
        ({**good, "format": 2}, "format"),
        ({**good, "secret": "x"}, "unknown"),
        ({**good, "name": 5}, "must be text"),
        ({**good, "name": "x" * 501}, "longer"),
        ({**good, "setting_type": "castle"}, "not a type"),
        ({**good, "school_contact": "headteacher"}, "named contact"),
        ({**good, "senco": {"name": "a", "shoe": "b"}}, "senco"),
        ({**good, "staff": [{"login": "kim"}, {"login": "kim"}]}, "twice"),
        ({**good, "staff": "kim"}, "list"),
    ):
        with pytest.raises(ValidationFailed, match=why):
            profile_from_json(bad)
    with pytest.raises(ValidationFailed, match="damaged"):
        profile_from_bytes(b"\xff{not json")


def test_name_and_urn_read_from_a_certificates_subject() -> None:
    assert name_and_urn_from_certificate(
        "Buttercup Pre-school (fictional)", "Buttercup Pre-school (fictional) (URN EY123456)"
    ) == ("Buttercup Pre-school (fictional)", "EY123456")
    assert name_and_urn_from_certificate("", "Buttercup (fictional)") == (
        "Buttercup (fictional)",
        "",
    )


# --- the service ----------------------------------------------------------------------------------


def test_only_a_manager_saves_the_profile_even_through_the_blob(vault: Path) -> None:
    kim = login(vault, "kim")
    try:
        with pytest.raises(PermissionDenied):
            ProfileService(kim).save(PROFILE)
        with pytest.raises(PermissionDenied):
            kim.put_blob(PROFILE_BLOB, PROFILE.to_bytes())  # straight to the vault: refused too
        with pytest.raises(PermissionDenied):
            kim.delete_blob(PROFILE_BLOB)
        assert ProfileService(kim).profile() == SettingProfile()
    finally:
        kim.close()
    sam = login(vault, "sam")
    try:
        stored = ProfileService(sam).save(
            PROFILE.with_staff(StaffMember("ghost", "Not A User", ""))  # no such login: dropped
        )
        assert stored.staff_member("ghost") is None
        assert ProfileService(sam).profile() == stored
        rows = {r.login: r for r in ProfileService(sam).staff()}
        assert rows["kim"].display_name == "Kim Keyworth"
        assert rows["robin"].display_name == ""
        assert rows["robin"].role is Role.SENCO
    finally:
        sam.close()


def test_new_child_starts_pre_filled_and_sign_off_uses_the_display_name(vault: Path) -> None:
    sam = login(vault, "sam")
    ProfileService(sam).save(PROFILE)
    sam.close()
    kim = login(vault, "kim")
    try:
        record = ProfileService(kim).new_record("Juno", "Testwhistle", date(2021, 11, 5))
        stored = kim.load(record.id)
        assert stored.get("child.setting_name") == "Little Acorns Nursery (fictional)"
        assert stored.get("child.setting_urn") == "EY900001"
        assert stored.get("child.setting_type") == "group"
        assert stored.get("child.key_person").name == "Kim Keyworth"
        assert stored.get("child.legal_forenames") == "Juno"
        assert stored.get("child.date_of_birth") == date(2021, 11, 5)
        assert kim.display_name("robin") == "robin"  # no display name set: the login
    finally:
        kim.close()
    sam = login(vault, "sam")  # a complete record (it has a safeguarding flag: the manager's)
    complete = next(
        r
        for r in generate_records(12, seed=3, today=date.today())
        if not readiness(r, None, date.today()).stopping(SignOffScope.RECORD)
    )
    sam.import_record(complete)
    sam.close()
    kim = login(vault, "kim")
    try:
        signed = kim.sign_off(complete.id, SignOffScope.RECORD.value)
        given = signed.signoff(SignOffScope.RECORD)
        assert given is not None
        assert (given.name, given.login, given.user) == ("Kim Keyworth", "kim", "kim")
        again = kim.import_record(signed)  # the vault still vouches for it: the login signed
        assert again.signoff(SignOffScope.RECORD) == given
    finally:
        kim.close()


def test_suggested_profile_takes_name_urn_and_la_from_the_charter_material(vault: Path) -> None:
    from transitions_app.services.charter_service import CharterService

    sam = login(vault, "sam")
    try:
        charters = CharterService(sam)
        charters.use_self_signed("Buttercup Pre-school (fictional)", "EY123456")
        suggested = ProfileService(sam, charters).suggested()
        assert (suggested.name, suggested.urn) == ("Buttercup Pre-school (fictional)", "EY123456")
        ProfileService(sam).save(SettingProfile(name="Our own name (fictional)"))
        assert ProfileService(sam, charters).suggested().name == "Our own name (fictional)"
    finally:
        sam.close()


# --- the command line -----------------------------------------------------------------------------


def test_records_new_prints_the_id_or_the_record(
    vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    sam = login(vault, "sam")
    ProfileService(sam).save(PROFILE)
    sam.close()
    base = ["records", "new", "--vault", str(vault), "--user", "kim"]
    assert (
        main([*base, "--forename", "Bea", "--surname", "Quillfeather", "--dob", "2021-10-02"]) == 0
    )
    record_id = capsys.readouterr().out.strip()
    kim = login(vault, "kim")
    try:
        assert kim.load(record_id).get("child.setting_urn") == "EY900001"
    finally:
        kim.close()
    assert (
        main(
            [
                *base,
                "--forename",
                "Bea",
                "--surname",
                "Quillfeather",
                "--dob",
                "2021-10-02",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    values = data.get("values", data)
    text = json.dumps(values)
    assert "Little Acorns Nursery (fictional)" in text
    assert "EY900001" in text
    assert "Kim Keyworth" in text


@pytest.mark.parametrize(
    ("dob", "message"),
    [("02/10/2021", "YYYY-MM-DD"), ("2099-01-01", "future"), ("2021-02-30", "YYYY-MM-DD")],
)
def test_records_new_refuses_a_bad_date_with_exit_2(
    vault: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    dob: str,
    message: str,
) -> None:
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    code = main(
        [
            "records",
            "new",
            "--vault",
            str(vault),
            "--user",
            "kim",
            "--forename",
            "Bea",
            "--surname",
            "Quillfeather",
            "--dob",
            dob,
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_records_new_wrong_password_is_exit_3(
    vault: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRANSITIONS_PASSWORD", "not the password")
    code = main(
        [
            "records",
            "new",
            "--vault",
            str(vault),
            "--user",
            "kim",
            "--forename",
            "Bea",
            "--surname",
            "Quillfeather",
            "--dob",
            "2021-10-02",
        ]
    )
    assert code == 3
