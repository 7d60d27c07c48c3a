"""The database server only ever holds ciphertext: a demo-sized vault on PostgreSQL, then a byte
search of every file the server wrote (tables, indexes, TOAST, the write-ahead log, its log) for
the children's names, dates of birth and notes, in UTF-8 and UTF-16, in any letter case."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.record import Record
from models.synthetic import generate_records
from models.vault import KdfParams
from tests.pg import PgServer
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
NOTE_FIELDS = (
    "about_me.likes",
    "about_me.when_upset",
    "about_me.proud_of",
    "family.worries",
    "family.routines",
    "family.want_teacher_to_know",
)


def needles(records: list[Record]) -> set[str]:
    """What must never reach the server in the clear.

    Surnames and full names, not forenames alone: the synthetic forenames include three-letter
    ones (Eli, Kit, Sol) that are inside ordinary words of PostgreSQL's own catalog ("delimiter").
    """
    found: set[str] = set()
    for record in records:
        forename = str(record.get("child.legal_forenames"))
        surname = str(record.get("child.legal_surname"))
        dob = record.get("child.date_of_birth")
        found |= {surname, f"{forename} {surname}", dob.isoformat(), dob.strftime("%d/%m/%Y")}
        found |= {
            str(v) for f in NOTE_FIELDS if isinstance(v := record.get(f), str) and len(v) > 12
        }
    return found


def search(paths: list[Path], words: set[str]) -> list[str]:
    """Every (file, word) where the word is in the file as UTF-8, UTF-16-LE or UTF-16-BE, in any
    letter case. ASCII text in UTF-16 is every other byte, so the even and odd byte streams of
    the lower-cased file are searched for the UTF-8 form."""
    lowered = sorted({w.lower().encode("utf-8") for w in words})
    hits = []
    for path in paths:
        data = path.read_bytes().lower()
        streams = (data, data[0::2], data[1::2])
        for word in lowered:
            if any(word in stream for stream in streams):
                hits.append(f"{path.name}: {word.decode()!r}")
    return hits


def server_files(server: PgServer) -> list[Path]:
    files = [p for p in server.datadir.rglob("*") if p.is_file()]
    return [*files, server.log_file]


@pytest.mark.slow
def test_server_files_hold_no_personal_data(own_pg_server: PgServer) -> None:
    pg_server = own_pg_server
    pg_url = pg_server.create_database("demo")
    records = generate_records(30, seed=20260302)
    service, _ = VaultService.create(None, "manager", "manager-password", db_url=pg_url, kdf=FAST)
    for record in records:
        service.import_record(record)
    for record in records[:10]:  # later versions too, so dead row versions exist
        again = service.load(record.id)
        again.set("about_me.likes", f"{again.get('about_me.likes')} And more.")
        service.save(again)
    service.delete(records[-1].id)
    service.put_blob("certificate", str(records[0].get("child.legal_surname")).encode())
    service.record_event("export_file", records[0].id, {"child": needles(records[:1]).pop()})
    assert service.check().ok
    service.close()
    pg_server.checkpoint()
    words = needles(records)
    assert len(words) > 100
    assert search(server_files(pg_server), words) == []

    # the search itself finds plaintext that is there (a test that cannot fail is a defect)
    import psycopg

    leak = records[3]
    with psycopg.connect(
        pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as conn:
        conn.execute("CREATE TABLE leak (note text)")
        conn.execute(
            "INSERT INTO leak VALUES (%s)", (str(leak.get("child.legal_surname")).upper(),)
        )
    pg_server.checkpoint()
    hits = search(server_files(pg_server), {str(leak.get("child.legal_surname"))})
    assert hits, "the byte search missed plaintext that is in the server's files"


def test_search_finds_utf16_and_any_case(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"\x01" + "note: ZEPHYRWHISTLE".encode("utf-16-le"))
    (tmp_path / "b").write_bytes("14/03/2021".encode("utf-16-be"))
    (tmp_path / "c").write_bytes(b"nothing to see")
    hits = search(sorted(tmp_path.iterdir()), {"Zephyrwhistle", "14/03/2021"})
    assert hits == ["a: 'zephyrwhistle'", "b: '14/03/2021'"]
