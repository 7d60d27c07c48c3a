"""`records set`, `records sign-off`, `records show --json` and the sign-off side of
`records import`, on the demo vault: sign-offs follow the content they signed, whatever writes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from models.interchange import record_from_bytes
from models.record import SignOffScope
from models.signoff import content_digest
from transitions_app.cli import main

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("signoff") / "vault"
    mp = pytest.MonkeyPatch()
    mp.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    try:
        assert main(["demo", "--vault", str(directory), "--children", "20", "--seed", "1"]) == 0
    finally:
        mp.undo()
    return directory


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def show(capsys: pytest.CaptureFixture[str], vault: Path, record_id: str) -> dict[str, Any]:
    code, out, _err = run(
        capsys, "records", "show", record_id, "--vault", str(vault), "--user", "manager", "--json"
    )
    assert code == 0
    return json.loads(out)  # type: ignore[no-any-return]


def validity(shown: dict[str, Any]) -> dict[str, bool]:
    return {s["scope"]: s["valid"] for s in shown["record"]["signoffs"] if not s.get("history")}


def fully_signed(capsys: pytest.CaptureFixture[str], vault: Path) -> str:
    """A demo record with a valid practitioner, SENCO and manager sign-off and nothing missing."""
    code, out, _err = run(capsys, "records", "list", "--vault", str(vault), "--json")
    assert code == 0
    for row in json.loads(out)["records"]:
        shown = show(capsys, vault, row["id"])
        if (
            validity(shown) == {"record": True, "send": True, "manager": True}
            and not shown["record"]["missing"]
        ):
            return str(row["id"])
    raise AssertionError("the demo vault has no record signed off by all three")


def records_set(
    capsys: pytest.CaptureFixture[str], vault: Path, record_id: str, user: str, *changes: str
) -> tuple[int, str, str]:
    return run(capsys, "records", "set", record_id, *changes, "--vault", str(vault), "--user", user)


def test_a_signed_record_edited_and_set_back_has_valid_sign_offs_again(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = fully_signed(capsys, vault)
    before = show(capsys, vault, rid)
    assert before["record"]["status"] == "signed_off"
    strategies = before["sections"]["send"]["strategies"]

    code, out, _err = records_set(
        capsys, vault, rid, "keyperson", "send.strategies=A visual timetable only."
    )
    assert code == 0
    assert "Changed since signed off by Robin Inclusionworth (SENCO)" in out
    changed = show(capsys, vault, rid)
    assert validity(changed) == {"record": False, "send": False, "manager": False}
    assert changed["record"]["status"] == "draft"
    assert {m["path"] for m in changed["record"]["missing"]} == {
        "signoff.record",
        "signoff.send",
        "signoff.manager",
    }
    assert any(
        "Changed since signed off by Robin Inclusionworth (SENCO)" in m["message"]
        for m in changed["record"]["missing"]
    )

    code, out, _err = records_set(capsys, vault, rid, "keyperson", f"send.strategies={strategies}")
    assert code == 0
    assert "Signed off by Robin Inclusionworth (SENCO)" in out
    again = show(capsys, vault, rid)
    assert validity(again) == {"record": True, "send": True, "manager": True}
    assert again["record"]["status"] == "signed_off"
    assert again["record"]["missing"] == []


def test_a_change_outside_section_8_leaves_the_sencos_sign_off_valid(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = fully_signed(capsys, vault)
    day_one = show(capsys, vault, rid)["sections"]["summary"]["day_one"]
    assert (
        records_set(capsys, vault, rid, "keyperson", "summary.day_one=Waves at the gate.")[0] == 0
    )
    assert validity(show(capsys, vault, rid)) == {"record": False, "send": True, "manager": False}
    assert records_set(capsys, vault, rid, "keyperson", f"summary.day_one={day_one}")[0] == 0
    assert validity(show(capsys, vault, rid)) == {"record": True, "send": True, "manager": True}


def test_an_invalid_value_is_kept_reported_listed_and_stops_sign_off(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = fully_signed(capsys, vault)
    before = show(capsys, vault, rid)
    upn = before["sections"]["child"].get("upn")
    dob = before["sections"]["child"]["date_of_birth"]

    code, _out, err = records_set(
        capsys, vault, rid, "keyperson", "child.upn=A12345678901X", "child.date_of_birth=31/02/2021"
    )
    assert code == 0
    assert "Kept, but not valid: Unique pupil number (UPN): The check letter does not match" in err
    assert "Date of birth: February has no 31st." in err
    shown = show(capsys, vault, rid)
    missing = {m["path"]: m["message"] for m in shown["record"]["missing"]}
    assert missing["child.date_of_birth"] == "Date of birth: February has no 31st."
    assert missing["child.upn"].startswith(
        "Unique pupil number (UPN): The check letter does not match"
    )
    assert validity(shown)["send"] is True  # section 8 was not touched

    code, _out, err = run(
        capsys,
        "records",
        "sign-off",
        rid,
        "--scope",
        "record",
        "--vault",
        str(vault),
        "--user",
        "keyperson",
    )
    assert code == 1
    assert "The practitioner sign-off cannot be given yet: 2 items to see to first." in err
    assert "  Date of birth: February has no 31st." in err
    assert "  Unique pupil number (UPN): The check letter does not match" in err
    code, out, _err = run(
        capsys,
        "records",
        "sign-off",
        rid,
        "--scope",
        "record",
        "--vault",
        str(vault),
        "--user",
        "keyperson",
        "--json",
    )
    assert code == 1
    assert {m["path"] for m in json.loads(out)["missing"]} == {"child.upn", "child.date_of_birth"}

    changes = [f"child.date_of_birth={dob}", f"child.upn={upn or ''}"]
    assert records_set(capsys, vault, rid, "keyperson", *changes)[0] == 0
    assert validity(show(capsys, vault, rid)) == {"record": True, "send": True, "manager": True}


def test_unknown_paths_and_role_refusals_are_exit_2(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = fully_signed(capsys, vault)
    before = show(capsys, vault, rid)
    code, _out, err = records_set(capsys, vault, rid, "keyperson", "child.shoe_size=9")
    assert code == 2
    assert "“child.shoe_size” is not a field" in err
    code, _out, err = records_set(capsys, vault, rid, "keyperson", "child.cin_cp=yes")
    assert code == 2
    assert err.strip() == (
        "Only the designated safeguarding lead or a manager can change the safeguarding flag. "
        "Ask Dana Safekeeper (Designated safeguarding lead) or Morgan Oakley (Manager)."
    )
    code, _out, err = run(
        capsys,
        "records",
        "sign-off",
        rid,
        "--scope",
        "send",
        "--vault",
        str(vault),
        "--user",
        "keyperson",
    )
    assert code == 2
    assert (
        err.strip()
        == "Only a SENCO can review the SEND section. Ask Robin Inclusionworth (SENCO) or the manager."
    )
    assert show(capsys, vault, rid) == before  # nothing was written


def test_a_senco_signs_a_complete_section_8_while_other_sections_are_not(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = fully_signed(capsys, vault)
    day_one = show(capsys, vault, rid)["sections"]["summary"]["day_one"]
    strategies = show(capsys, vault, rid)["sections"]["send"]["strategies"]
    assert (
        records_set(
            capsys,
            vault,
            rid,
            "keyperson",
            "summary.day_one=",
            "send.strategies=Now and next board.",
        )[0]
        == 0
    )
    shown = show(capsys, vault, rid)
    assert "summary.day_one" in {m["path"] for m in shown["record"]["missing"]}
    code, _out, err = run(
        capsys,
        "records",
        "sign-off",
        rid,
        "--scope",
        "record",
        "--vault",
        str(vault),
        "--user",
        "keyperson",
    )
    assert code == 1
    assert "One thing to know on day one" in err
    code, out, _err = run(
        capsys,
        "records",
        "sign-off",
        rid,
        "--scope",
        "send",
        "--vault",
        str(vault),
        "--user",
        "senco",
    )
    assert code == 0, _err
    assert "SENCO review of the SEND section recorded" in out
    assert validity(show(capsys, vault, rid))["send"] is True
    assert (
        records_set(
            capsys,
            vault,
            rid,
            "keyperson",
            f"summary.day_one={day_one}",
            f"send.strategies={strategies}",
        )[0]
        == 0
    )
    # The SENCO's new sign-off is of the new section 8; putting the old text back changes it again.
    assert validity(show(capsys, vault, rid)) == {"record": True, "send": False, "manager": True}
    assert (
        run(
            capsys,
            "records",
            "sign-off",
            rid,
            "--scope",
            "send",
            "--vault",
            str(vault),
            "--user",
            "senco",
        )[0]
        == 0
    )


def test_a_changed_signed_off_record_imported_by_a_key_person_cannot_be_exported(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = fully_signed(capsys, vault)
    shown = show(capsys, vault, rid)
    original = tmp_path / "as-signed.json"
    original.write_text(json.dumps(shown), encoding="utf-8")
    shown["sections"]["send"]["strategies"] = "Changed in the file by the key person."
    shown["record"]["status"] = "exported"  # a file's claims about itself count for nothing
    shown["record"]["export_version"] = 7
    for s in shown["record"]["signoffs"]:
        s["valid"] = True
    shown["record"]["missing"] = []
    changed_file = tmp_path / "changed.json"
    changed_file.write_text(json.dumps(shown), encoding="utf-8")

    code, _out, err = run(
        capsys, "records", "import", str(changed_file), "--vault", str(vault), "--user", "keyperson"
    )
    assert code == 0, err
    after = show(capsys, vault, rid)
    assert after["sections"]["send"]["strategies"] == "Changed in the file by the key person."
    assert after["record"]["status"] == "draft"
    assert after["record"]["export_version"] == 0
    assert validity(after) == {"record": False, "send": False, "manager": False}
    assert {"signoff.send", "signoff.manager"} <= {m["path"] for m in after["record"]["missing"]}

    password = tmp_path / "pdf-password.txt"
    password.write_text("a fictional pdf password\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _out, err = run(
        capsys,
        "export",
        "--vault",
        str(vault),
        "--user",
        "keyperson",
        "--record",
        rid,
        "--out",
        str(out_dir),
        "--encrypt-password-file",
        str(password),
    )
    assert code == 1
    assert "cannot be exported yet" in err
    assert (
        "SENCO review of the SEND section (Changed since signed off by Robin Inclusionworth (SENCO)"
        in err
    )
    assert not list(out_dir.glob("*.pdf"))

    # The file as it was signed: the sign-offs this vault recorded for exactly that content count.
    assert (
        run(
            capsys, "records", "import", str(original), "--vault", str(vault), "--user", "keyperson"
        )[0]
        == 0
    )
    assert validity(show(capsys, vault, rid)) == {"record": True, "send": True, "manager": True}


def test_an_imported_sign_off_naming_someone_else_is_history_only(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "records", "list", "--vault", str(vault), "--json")
    draft = next(r["id"] for r in json.loads(out)["records"] if r["status"] == "draft")
    shown = show(capsys, vault, draft)
    assert shown["record"]["signoffs"] == []
    signed = show(capsys, vault, fully_signed(capsys, vault))
    # The digest of this record's own section 8, so only the vault's memory can tell it is forged.
    digest = content_digest(record_from_bytes(json.dumps(shown).encode()), SignOffScope.SEND)
    template = dict(signed["record"]["signoffs"][0], scope="send", role="senco", digest=digest)
    for name, login in (("Robin Inclusionworth", "senco"), ("Someone Else", "nobody")):
        shown["record"]["signoffs"] = [dict(template, name=name, login=login)]
        shown["record"]["status"] = "signed_off"
        file = tmp_path / f"forged-{login}.json"
        file.write_text(json.dumps(shown), encoding="utf-8")
        assert (
            run(
                capsys, "records", "import", str(file), "--vault", str(vault), "--user", "keyperson"
            )[0]
            == 0
        )
        after = show(capsys, vault, draft)
        assert validity(after) == {}
        assert {
            (s["scope"], s["valid"], s.get("history")) for s in after["record"]["signoffs"]
        } == {("send", False, True)}
        assert name in {s["name"] for s in after["record"]["signoffs"]}  # kept, as history
        assert after["record"]["status"] == "draft"
