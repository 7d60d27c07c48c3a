"""Atomic, durable saves: SIGKILL a process that is saving, at random moments, over and over.

The child is forked (so each run costs milliseconds, not an interpreter start) and opens the vault
itself with its own connection. It writes an ack line to a pipe only after ``put_record`` has
returned, i.e. after the commit. After every kill the vault must open, pass ``check()``, and hold
every acknowledged save (at most one later, unacknowledged save may also have landed).
"""

from __future__ import annotations

import os
import random
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from models.vault import KdfParams, VaultStore
from models.vault.crypto import digest

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "crash-test-password"
RUNS = 60

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork()"
)


def _child(directory: Path, seed: int, ack_fd: int) -> None:
    rng = random.Random(seed)
    store = VaultStore.open(directory, "mgr", PW)
    versions = store.record_versions()
    n = 0
    while True:
        n += 1
        rid = f"rec-{rng.randrange(8)}"
        data = (f"run {seed} save {n} ".encode() * rng.randrange(1, 2000))[
            : rng.randrange(10, 30000)
        ]
        if rng.random() < 0.1:
            store.put_blob("settings", data)
            continue
        version = store.put_record(rid, data, versions.get(rid))
        versions[rid] = version
        os.write(ack_fd, f"{rid} {version} {digest(data)}\n".encode())


def _run_once(directory: Path, seed: int, rng: random.Random) -> list[tuple[str, int, str]]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 0
        try:
            os.close(read_fd)
            _child(directory, seed, write_fd)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    buffer = b""
    if rng.random() < 0.8:  # usually wait for the first ack, so the kill lands among saves
        deadline = time.monotonic() + 10
        while b"\n" not in buffer and time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], 0.5)
            if ready:
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    break
                buffer += chunk
    time.sleep(rng.uniform(0, 0.03))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status), "the saving child died on its own"
    assert os.WTERMSIG(status) == signal.SIGKILL
    while chunk := os.read(read_fd, 65536):
        buffer += chunk
    os.close(read_fd)
    acks = []
    for line in buffer.decode().splitlines():
        rid, version, sha = line.split()
        acks.append((rid, int(version), sha))
    return acks


def test_sigkill_during_saves_loses_no_acknowledged_save(tmp_path: Path) -> None:
    started = time.monotonic()
    directory = tmp_path / "vault"
    store, _ = VaultStore.create(directory, "mgr", PW, "manager", kdf=FAST)
    store.close()
    rng = random.Random(20300101)
    acknowledged: dict[str, tuple[int, str]] = {}
    total_acks = 0
    for run in range(RUNS):
        acks = _run_once(directory, run, rng)
        total_acks += len(acks)
        for rid, version, sha in acks:
            acknowledged[rid] = (version, sha)
        store = VaultStore.open(directory, "mgr", PW)
        try:
            assert store.check() == [], f"run {run}"
            stored = {r.id: r for r in store.list_records()[0]}
            for rid, (version, sha) in acknowledged.items():
                assert rid in stored, f"run {run}: acknowledged record {rid} is missing"
                have = stored[rid]
                assert version <= have.version <= version + 1, f"run {run}: {rid}"
                if have.version == version:
                    assert digest(have.data) == sha, f"run {run}: {rid} content"
                else:  # one save committed just before the kill, before its ack was written
                    acknowledged[rid] = (have.version, digest(have.data))
        finally:
            store.close()
    print(f"{total_acks} acknowledged saves over {RUNS} kills")
    assert total_acks >= RUNS  # the kills really landed among saves
    assert time.monotonic() - started < 40
