"""Nothing personal in plaintext: the db file, WAL, temp files, backups, logs, exception messages."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

import pytest

from models.errors import AuthenticationFailed, IntegrityError, TransitionsError
from models.vault import KdfParams
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)

# Obviously fictional, and distinctive enough that a hit cannot be a coincidence.
SECRETS = {
    "child.legal_forenames": "Quillonia",
    "child.legal_surname": "Zephyrwhistle",
    "child.preferred_name": "Quilly",
    "about_me.likes": "Feeding the purple moon-dragon in the sandpit",
    "family.worries": "Worried about the imaginary volcano near Fictionshire",
    "health.allergies": "Allergic to glitter-frogs",
}
DOB = date(2021, 3, 14)


def needles() -> list[str]:
    words = list(SECRETS.values())
    words += ["moon-dragon", "glitter-frogs", "Fictionshire", DOB.isoformat(), "14/03/2021"]
    return words


def encodings(word: str) -> list[bytes]:
    out = []
    for variant in {word, word.lower(), word.upper()}:
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            out.append(variant.encode(enc))
    return out


def find_plaintext(folders: list[Path]) -> list[str]:
    hits = []
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            data = path.read_bytes().lower()
            for word in needles():
                if any(pattern.lower() in data for pattern in encodings(word)):
                    hits.append(f"{path.name}: {word!r}")
    return hits


def test_byte_search_finds_no_personal_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    temp = tmp_path / "temp"
    temp.mkdir()
    for name in ("TMPDIR", "TEMP", "TMP", "SQLITE_TMPDIR"):
        monkeypatch.setenv(name, str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    vault = tmp_path / "vault"

    service, _ = VaultService.create(vault, "boss", "boss-password", kdf=FAST)
    ids = []
    for n in range(6):
        record = service.new_record()
        for path, value in SECRETS.items():
            record.set(path, f"{value} {n}" if n else value)
        record.set("child.date_of_birth", DOB)
        record = service.save(record)
        for round_ in range(3):  # several versions, so freed pages and WAL frames exist
            record = service.load(record.id)
            record.set("about_me.likes", f"{SECRETS['about_me.likes']} round {round_}")
            record = service.save(record)
        ids.append(record.id)
    service.put_blob("certificate", b"Quillonia Zephyrwhistle")
    service.record_event("export_file", ids[0], {"child": "Quillonia Zephyrwhistle"})
    service.delete(ids[-1])
    assert (vault / "vault.db-wal").exists()
    # the write-ahead log and the db while the vault is open ...
    assert find_plaintext([vault, temp]) == []
    backup = tmp_path / "backups"
    backup.mkdir()
    service.backup(backup / "vault.backup")
    assert find_plaintext([backup]) == []
    # ... damaged-record errors say which record, never what is in it
    with sqlite3.connect(vault / "vault.db") as conn:
        conn.execute(
            "UPDATE records SET ciphertext = zeroblob(length(ciphertext)) WHERE id = ?", (ids[0],)
        )
    with pytest.raises(IntegrityError) as caught:
        service.load(ids[0])
    messages = [str(caught.value), *service.check().problems]
    with pytest.raises(AuthenticationFailed) as auth:
        VaultService.open(vault, "boss", "Quillonia")
    messages.append(str(auth.value))
    service.close()
    # ... and after closing (checkpointed), plus everything that was logged
    assert find_plaintext([vault, temp]) == []
    log_text = caplog.text.lower() + "\n".join(messages).lower()
    assert not [w for w in needles() if w.lower() in log_text]
    assert all(isinstance(exc, TransitionsError) for exc in (caught.value, auth.value))


def test_search_is_able_to_find_plaintext(tmp_path: Path) -> None:
    """The byte search itself works (a test that cannot fail is a defect)."""
    (tmp_path / "leak.txt").write_bytes("note: QUILLONIA".encode("utf-16-le"))
    assert find_plaintext([tmp_path]) == ["leak.txt: 'Quillonia'"]
