"""Synthetic vaults and the plain SQLite baseline, built in the benchmark's own temporary folder."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Column, Engine, LargeBinary, MetaData, String, Table, insert, select

from models.record import Record
from models.synthetic import generate_records
from models.vault import DEFAULT_KDF, KdfParams
from models.vault.schema import make_engine
from transitions_app.services.demo import install_example_charter_if_shipped, save_demo_profile
from transitions_app.services.vault_service import VaultService

USER = "manager"
PASSWORD = "bench-password-not-secret"
TODAY = date(2026, 3, 2)
SEED = 7
# Small Argon2 parameters for --quick only; the full run uses the app's defaults.
QUICK_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)


@dataclass(frozen=True, slots=True)
class BenchVault:
    directory: Path
    records: list[Record]
    kdf: KdfParams
    build_seconds: float


def build_vault(directory: Path, n: int, *, quick: bool) -> BenchVault:
    """A vault of ``n`` synthetic children, imported one by one as the demo vault does, under the
    example Northshire charter and with the demo setting profile (as a setting works: the editor
    then has the school directory, the charter's items and a pre-filled New child)."""
    kdf = QUICK_KDF if quick else DEFAULT_KDF
    records = generate_records(n, seed=SEED, today=TODAY)
    start = time.perf_counter()
    service, _recovery = VaultService.create(directory, USER, PASSWORD, kdf=kdf)
    try:
        for record in records:
            service.import_record(record)
        install_example_charter_if_shipped(service)
        save_demo_profile(service)
    finally:
        service.close()
    return BenchVault(directory, records, kdf, time.perf_counter() - start)


plain_metadata = MetaData()
plain_records = Table(
    "plain_records",
    plain_metadata,
    Column("id", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)


def plain_engine(directory: Path) -> Engine:
    """A plain SQLite file with exactly the vault's pragmas (it is made by the vault's own
    ``make_engine``), holding one table of unencrypted blobs."""
    directory.mkdir(parents=True, exist_ok=True)
    engine = make_engine(directory)
    with engine.begin() as conn:
        plain_metadata.create_all(conn)
    return engine


def plain_insert(engine: Engine, row_id: str, data: bytes) -> None:
    with engine.begin() as conn:
        conn.execute(insert(plain_records).values(id=row_id, data=data))


def plain_rows(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        return [bytes(r.data) for r in conn.execute(select(plain_records.c.data))]
