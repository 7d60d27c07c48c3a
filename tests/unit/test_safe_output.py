"""File names shown to people and CSV cells the app writes (models.safe_output), and the record
id rule that keeps formulas and paths out of every place an id travels."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.interchange import record_to_dict
from models.safe_output import (
    ShownStream,
    csv_cell,
    csv_row,
    shown_name,
    shown_text,
    write_atomically,
    write_private_file,
    write_public_file,
)
from models.school.outcomes import outcomes_template_csv, parse_outcomes_csv
from tests.unit.test_school_service import (  # noqa: F401
    World,
    pki,
    school_records,
    signed_pdf,
    world,
    write,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain name.pdf", "plain name.pdf"),
        ("Zoë’s record — 日本.pdf", "Zoë’s record — 日本.pdf"),
        ("a\nIMPORTED b.pdf", "a\\nIMPORTED b.pdf"),
        ("tab\there\rcr", "tab\\there\\rcr"),
        ("red\x1b[31m.pdf", "red\\x1b[31m.pdf"),
        ("bell\x07\x7f", "bell\\x07\\x7f"),
        ("abc\u202efdp.exe", "abc\\u202efdp.exe"),  # right-to-left override
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("line\u2028sep", "line\\u2028sep"),
        (b"bad-\xff\xfe.pdf", "bad-\\xff\\xfe.pdf"),
        ("bad-\udcff.pdf", "bad-\\xff.pdf"),  # what os.listdir gives for a byte that is not UTF-8
    ],
)
def test_shown_names_are_one_printable_line(raw: str | bytes, shown: str) -> None:
    assert shown_name(raw) == shown
    shown_name(raw).encode("utf-8")  # always storable and printable
    assert shown_name(shown_name(raw)) == shown_name(raw)


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://example.invalid","Open")',
        "+1+2",
        "-2+3",
        "@SUM(A1:A9)",
        "\tx",
        "\rx",
        "\nx",
    ],
)
def test_formula_cells_are_written_as_text(text: str) -> None:
    assert csv_cell(text) == "'" + text
    buf = io.StringIO()
    csv.writer(buf).writerow(csv_row(["ok", text, 3, -4, None]))
    [row] = list(csv.reader(io.StringIO(buf.getvalue())))
    assert row == ["ok", "'" + text, "3", "-4", ""]  # numbers the app writes stay numbers


def test_outcomes_sheet_neutralises_every_cell_even_an_old_bad_id() -> None:
    record = school_records(1)[0]
    record.id = '=HYPERLINK("http://example.invalid","Open record")'  # as an old vault could hold
    record.set("child.legal_surname", "@SUM(1+1)")
    sheet = outcomes_template_csv([record]).decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(sheet)))
    assert row["RecordID"] == "'" + record.id
    assert row["Surname"] == "'@SUM(1+1)"


def test_an_outcomes_csv_with_a_record_id_that_is_not_one_is_a_row_error() -> None:
    header = "RecordID,UPN,Forename,Surname,GLD," + ",".join(f"ELG{i:02d}" for i in range(1, 18))
    row = '"=HYPERLINK(""http://x"")",,Ada,Example,Y,' + ",".join(["expected"] * 17)
    parsed = parse_outcomes_csv((header + "\r\n" + row + "\r\n").encode())
    assert parsed.rows == []
    assert "not a record id" in parsed.errors[0].message


@pytest.mark.parametrize(
    "bad_id",
    ['=HYPERLINK("http://example.invalid","Open record")', "../../../../evil", "x/password"],
)
def test_school_refuses_a_signed_record_whose_id_is_not_a_uuid(world: World, bad_id: str) -> None:  # noqa: F811
    record = world.records[0]
    data = record_to_dict(record)
    data["record"]["id"] = bad_id
    path = write(
        world,
        "odd.pdf",
        signed_pdf(record, world.pki.setting, json_bytes=json.dumps(data).encode()),
    )
    [outcome] = world.school.import_files([path])
    assert outcome.status == "refused"
    assert "not a record id" in outcome.reason
    assert world.school.overview().rows == []


# ------------------------------------------------------------------------------- atomic writes


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_private_files_are_owner_only_and_public_ones_follow_the_umask(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        write_private_file(tmp_path / "key.json", b"sealed")
        write_public_file(tmp_path / "root-cert.pem", b"certificate")
        write_atomically(tmp_path / "default.pdf", b"%PDF")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "key.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "root-cert.pem").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "default.pdf").stat().st_mode) == 0o600


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "backup.trvbak"
    write_atomically(target, [b"old ", b"file"])
    assert target.read_bytes() == b"old file"

    def pieces() -> Iterator[bytes]:
        yield b"half of the new"
        raise OSError("disk unplugged")

    with pytest.raises(OSError, match="unplugged"):
        write_atomically(target, pieces())
    assert target.read_bytes() == b"old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.trvbak"]


def test_a_symlink_where_the_temporary_file_goes_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not yours")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / ".transitions-0000000000000000.part").symlink_to(outside)
    names = iter(["0000000000000000", "1111111111111111"])
    monkeypatch.setattr("models.safe_output.secrets.token_hex", lambda _n: next(names))
    write_atomically(folder / "charter.toml", b"written")
    assert outside.read_bytes() == b"not yours"
    assert (folder / "charter.toml").read_bytes() == b"written"


def test_shown_text_keeps_lines_and_tabs_and_escapes_the_rest() -> None:
    assert shown_text("Plain: café\tcount 3\n") == "Plain: café\tcount 3\n"
    assert shown_text("a\x1b[31mb\u202ec\udcff\r\n") == "a\\x1b[31mb\\u202ec\\xff\\r\n"


def test_the_command_line_writes_names_escaped_on_both_streams(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    import transitions_app.cli as cli

    missing = "no-such\x1b[2J-\udcff.json"
    assert cli.main(["records", "import", missing, "--vault", "nowhere"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert (
        err
        == "Cannot read the record file no-such\\x1b[2J-\\xff.json: No such file or directory.\n"
    )
    stream = ShownStream(io.StringIO())
    stream.write("\rSigned 1 of 2")  # not a terminal: the carriage return is escaped too
    assert stream.getvalue() == "\\rSigned 1 of 2"
