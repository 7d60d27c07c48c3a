"""Two app instances (processes) saving at the same time into one vault.

Each forked child opens the vault as its own user with its own connections, waits at a starting
line, then creates and saves 50 records and makes 50 edits to a handful of records both of them
edit, reloading and making the edit again after each ``SaveConflict``. Afterwards: ``check()`` is
clean (no forked or broken audit chain), the chain holds exactly the entries each child says it
wrote, every save is present, and no edit to a shared record was lost.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections import Counter
from typing import Any

import pytest

from models.errors import SaveConflict
from models.roles import Role
from models.vault import KdfParams
from tests.pg import Backend
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
SAVES = 50
SHARED = 4

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork()"
)


def _child(backend: Backend, user: str, shared: list[str], ready: int, go: int) -> dict[str, Any]:
    service = VaultService.open(**backend.where, user=user, password=f"{user}-password")
    os.write(ready, b"r")
    os.read(go, 1)  # the starting line: both children are open before either saves
    made: list[str] = []
    tokens: list[str] = []
    actions: Counter[str] = Counter(unlocked=1)
    conflicts = 0
    for i in range(SAVES):
        record = service.new_record()
        actions["created"] += 1
        record.set("about_me.likes", f"Made-up note {user} {i}")
        service.save(record)
        actions["saved"] += 1
        made.append(record.id)
        token = f"{user}{i};"
        while True:
            other = service.load(shared[i % SHARED])
            actions["opened"] += 1
            other.set("about_me.friends", (other.get("about_me.friends") or "") + token)
            try:
                service.save(other)
            except SaveConflict:
                conflicts += 1
                continue
            actions["saved"] += 1
            tokens.append(token)
            break
    service.close()
    return {"made": made, "tokens": tokens, "actions": dict(actions), "conflicts": conflicts}


def _fork(backend: Backend, user: str, shared: list[str], go: int) -> tuple[int, int, int]:
    ready_r, ready_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 0
        try:
            os.close(ready_r)
            os.close(out_r)
            result: Any = _child(backend, user, shared, ready_w, go)
        except BaseException:
            result = {"error": traceback.format_exc()}
            code = 1
        finally:
            with os.fdopen(out_w, "w") as fh:
                json.dump(result, fh)
            os._exit(code)
    os.close(ready_w)
    os.close(out_w)
    return pid, ready_r, out_r


def test_two_processes_saving_at_once(backend: Backend) -> None:
    boss, _ = VaultService.create(**backend.where, user="boss", password="boss-password", kdf=FAST)
    for name in ("ann", "ben"):
        boss.add_user(name, Role.PRACTITIONER, f"{name}-password")
    shared = [boss.new_record().id for _ in range(SHARED)]
    entries_before = len(boss.audit_entries())
    boss.close()  # no connection of ours is open across the fork

    go_r, go_w = os.pipe()
    children = {name: _fork(backend, name, shared, go_r) for name in ("ann", "ben")}
    for _pid, ready_r, _out in children.values():
        assert os.read(ready_r, 1) == b"r", "a child could not open the vault"
        os.close(ready_r)
    os.write(go_w, b"gg")
    # a third instance checks the whole vault again and again while the two are saving
    boss = VaultService.open(**backend.where, user="boss", password="boss-password")
    running = {pid for pid, _ready, _out in children.values()}
    statuses: dict[int, int] = {}
    checks = 0
    while running:
        report = boss.check()
        assert report.ok, report.problems
        checks += 1
        for pid in list(running):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                running.discard(pid)
                statuses[pid] = status
    results: dict[str, dict[str, Any]] = {}
    for name, (pid, _ready, out_r) in children.items():
        with os.fdopen(out_r) as fh:
            results[name] = json.load(fh)
        assert "error" not in results[name], results[name].get("error")
        assert os.WIFEXITED(statuses[pid])
        assert os.WEXITSTATUS(statuses[pid]) == 0
    os.close(go_r)
    os.close(go_w)
    assert checks >= 1  # on a busy machine one whole check can outlast the children's saves

    try:
        report = boss.check()
        assert report.ok, report.problems
        entries = boss.audit_entries()
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        written = Counter((e.user, e.action) for e in entries[entries_before:])
        for name, result in results.items():
            for action, count in result["actions"].items():
                assert written[(name, action)] == count, (name, action)
        assert len(entries) == entries_before + 1 + sum(
            sum(r["actions"].values()) for r in results.values()
        )  # + boss's own "unlocked"
        # the two children really did interleave (PostgreSQL queues lock waiters in order;
        # SQLite's busy handler backs off, so there one writer may run ahead of the other)
        users = [e.user for e in entries[entries_before:] if e.user in results]
        switches = sum(1 for a, b in zip(users, users[1:], strict=False) if a != b)
        if backend.name == "postgresql":
            assert switches >= 10, switches
        # every save is present, and no edit of a shared record was lost
        stored = {r.id: r for r in boss.list_records()}
        for name, result in results.items():
            assert len(result["made"]) == SAVES
            for i, record_id in enumerate(result["made"]):
                assert stored[record_id].get("about_me.likes") == f"Made-up note {name} {i}"
        friends = "".join(stored[i].get("about_me.friends") or "" for i in shared)
        tokens = [t for r in results.values() for t in r["tokens"]]
        assert len(tokens) == 2 * SAVES
        assert sorted(t for t in friends.split(";") if t) == sorted(t[:-1] for t in tokens)
        print(f"{backend.name}: {sum(r['conflicts'] for r in results.values())} conflicts retried")
    finally:
        boss.close()
