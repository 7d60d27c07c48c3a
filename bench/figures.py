"""The figures: each measured value, its baseline from the same run, the ratio and the target."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pikepdf
from sqlalchemy import insert

from bench import exporting
from bench.stats import median, p95, repeat, timed
from bench.vaults import (
    PASSWORD,
    USER,
    BenchVault,
    plain_engine,
    plain_insert,
    plain_records,
    plain_rows,
)
from export import render as render_module
from export.pki import load_crl, load_root_cert
from export.verify import verify_pdf
from models.completeness import overall_completeness
from models.flags import derive_flags
from models.interchange import record_to_bytes
from models.record import Record
from models.vault import crypto
from transitions_app.services.vault_service import VaultService

REPO = Path(__file__).resolve().parent.parent
EDITED_FIELD = "about_me.proud_of"


@dataclass(frozen=True, slots=True)
class Sizes:
    records: int
    save_reps: int
    unlock_reps: int
    search_names: int
    render_reps: int
    batch_records: int
    verify_reps: int
    coldstart_runs: int
    editor_opens: int = 20
    editor_exports: int = 3
    editor_new: int = 5
    editor_pause_s: float = 0.3  # between actions, as a person pauses between key presses
    editor_settle_s: float = 1.5  # the dashboard shown before the first record is opened


FULL = Sizes(2000, 200, 5, 4, 10, 60, 20, 7)
QUICK = Sizes(40, 8, 1, 1, 1, 4, 2, 1, 2, 1, 1, editor_pause_s=0.05, editor_settle_s=0.2)


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: float
    ratio: float
    target: str
    ok: bool
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _significant(self.value),
            "unit": self.unit,
            "baseline": _significant(self.baseline),
            "ratio": _significant(self.ratio, 3),
            "target": self.target,
            "ok": self.ok,
            "note": self.note,
        }


def _significant(x: float, digits: int = 5) -> float:
    return float(f"{x:.{digits}g}")


def make_figure(
    name: str,
    value: float,
    unit: str,
    baseline: float,
    *,
    note: str,
    max_value: float | None = None,
    max_ratio: float | None = None,
) -> Figure:
    ratio = value / baseline if baseline > 0 else float("inf")
    targets, ok = [], True
    if max_value is not None:
        targets.append(f"< {max_value:g} {unit}")
        ok = ok and value < max_value
    if max_ratio is not None:
        targets.append(f"< {max_ratio:g}x baseline")
        ok = ok and ratio < max_ratio
    return Figure(name, value, unit, baseline, ratio, " and ".join(targets), ok, note)


def summarise(records: list[Record]) -> list[tuple[Record, float, Any, tuple[str, ...], str]]:
    """What the dashboard computes per row (see ui.dashboard.CohortModel._make_row)."""
    rows = []
    for record in records:
        flags = derive_flags(record)
        rows.append(
            (
                record,
                overall_completeness(record),
                flags,
                tuple(flags.badges()),
                record.display_name,
            )
        )
    return rows


@contextlib.contextmanager
def kdf_timer() -> Iterator[list[float]]:
    """Times every Argon2id derivation made while active (the vault calls ``crypto.derive_kek``)."""
    spent: list[float] = []
    original = crypto.derive_kek

    def timed_derive(*args: Any, **kwargs: Any) -> bytes:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    crypto.derive_kek = timed_derive  # type: ignore[assignment]
    try:
        yield spent
    finally:
        crypto.derive_kek = original  # type: ignore[assignment]


# --- vault: unlock + list, save -----------------------------------------------------------------


def unlock_and_list(
    vault: BenchVault, plain_dir: Path, sizes: Sizes
) -> tuple[Figure, dict[str, Any]]:
    engine = plain_engine(plain_dir)
    with engine.begin() as conn:
        conn.execute(
            insert(plain_records),
            [{"id": r.id, "data": record_to_bytes(r)} for r in vault.records],
        )
    runs: list[dict[str, float]] = []
    for _ in range(sizes.unlock_reps):
        with kdf_timer() as kdf:
            t_open, service = timed(lambda: VaultService.open(vault.directory, USER, PASSWORD))
        cpu_start = time.process_time()
        t_list, records = timed(service.list_records)
        t_summary, rows = timed(lambda records=records: summarise(records))
        cpu = time.process_time() - cpu_start
        service.close()
        runs.append(
            {
                "open_s": t_open,
                "kdf_s": sum(kdf),
                "list_decode_s": t_list,
                "summaries_s": t_summary,
                "total_excl_kdf_s": t_open - sum(kdf) + t_list + t_summary,
                "list_and_summaries_cpu_s": cpu,
            }
        )
    if len(rows) != len(vault.records):
        raise RuntimeError(f"the vault listed {len(rows)} of {len(vault.records)} records")

    def plain_read() -> int:
        return len([json.loads(data) for data in plain_rows(engine)])

    baseline = median(repeat(plain_read, max(sizes.unlock_reps, 3)))
    engine.dispose()
    best = min(runs, key=lambda r: r["total_excl_kdf_s"])
    value = median([r["total_excl_kdf_s"] for r in runs])
    figure = make_figure(
        f"unlock_and_list_{len(vault.records)}",
        value,
        "s",
        baseline,
        max_value=1.0,
        note="VaultService.open minus the timed Argon2id call, + list_records + derive_flags/"
        "overall_completeness/badges per record (median of runs); baseline: SELECT of the same "
        "plaintext JSON from a plain SQLite table + json.loads",
    )
    details = {
        "runs": runs,
        "median_kdf_s": median([r["kdf_s"] for r in runs]),
        "best_run": best,
        "kdf_params": {
            "memory_kib": vault.kdf.memory_kib,
            "iterations": vault.kdf.iterations,
            "lanes": vault.kdf.lanes,
        },
    }
    return figure, details


def save_record(vault: BenchVault, plain_dir: Path, sizes: Sizes) -> tuple[Figure, dict[str, Any]]:
    service = VaultService.open(vault.directory, USER, PASSWORD)
    try:
        record = service.load(vault.records[len(vault.records) // 2].id)
        times: list[float] = []
        warmup = 5
        for i in range(sizes.save_reps + warmup):
            record.set(EDITED_FIELD, f"Built a tall tower of {i + 3} blocks (fictional)")
            elapsed, record = timed(lambda record=record: service.save(record))
            if i >= warmup:
                times.append(elapsed)
        blob = record_to_bytes(record)
    finally:
        service.close()
    engine = plain_engine(plain_dir)
    base: list[float] = []
    for i in range(sizes.save_reps + warmup):
        elapsed, _ = timed(lambda i=i: plain_insert(engine, f"save-{i}", blob))
        if i >= warmup:
            base.append(elapsed)
    engine.dispose()
    value_ms, base_ms = p95(times) * 1000, p95(base) * 1000
    figure = make_figure(
        "save_record_p95",
        value_ms,
        "ms",
        base_ms,
        max_value=20.0,
        max_ratio=3.0,
        note=f"VaultService.save of one edited record ({len(blob)} B JSON) in a "
        f"{len(vault.records)}-record vault: read+decrypt old, encrypt, update, audit entry, "
        "commit; baseline: plain SQLAlchemy INSERT+commit of the same bytes, same pragmas "
        "(WAL, synchronous=FULL, secure_delete), same folder; p95",
    )
    details = {
        "median_ms": median(times) * 1000,
        "baseline_median_ms": median(base) * 1000,
        "samples": len(times),
        "blob_bytes": len(blob),
    }
    return figure, details


# --- subprocess probes ------------------------------------------------------------------------


def probe_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def run_probe(home: Path, *args: str, timeout: float = 180) -> tuple[dict[str, Any], float]:
    """Run ``python -m bench.probes ARGS``; its JSON and the wall-clock time it was started at."""
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "bench.probes", *args],
        cwd=REPO,
        env=probe_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"probe {args[0]} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    return json.loads(lines[-1]), started


def search_names(records: list[Record], count: int) -> list[str]:
    """Names a person would type: forename and surname of children spread through the cohort."""
    picks = [records[(i * 7 + 3) % len(records)] for i in range(count)]
    return [f"{r.get('child.legal_forenames')} {r.get('child.legal_surname')}" for r in picks]


def python_filter_keystrokes(records: list[Record], names: list[str]) -> list[float]:
    """Pure-Python name filter over prepared summaries, timed per key press (the baseline)."""
    summaries = [
        " ".join(
            str(r.get(p) or "")
            for p in ("child.preferred_name", "child.legal_forenames", "child.legal_surname")
        ).casefold()
        for r in records
    ]
    times = []
    for name in names:
        for i in range(1, len(name) + 1):
            words = name[:i].strip().casefold().split()
            start = time.perf_counter()
            shown = [s for s in summaries if all(w in s for w in words)]
            times.append(time.perf_counter() - start)
            if words and not shown:
                raise RuntimeError(f"the baseline filter lost {name!r}")
    return times


def python_filter_clear(records: list[Record]) -> float:
    """Pure-Python baseline for emptying the search box: every row back, in name order."""
    names = [r.display_name.casefold() for r in records]
    start = time.perf_counter()
    shown = sorted(range(len(names)), key=names.__getitem__)
    elapsed = time.perf_counter() - start
    if len(shown) != len(records):
        raise RuntimeError("the baseline sort lost rows")
    return elapsed


def ui_figures(vault: BenchVault, home: Path, sizes: Sizes) -> tuple[list[Figure], dict[str, Any]]:
    names = search_names(vault.records, sizes.search_names)
    out, _ = run_probe(home, "ui", str(vault.directory), USER, PASSWORD, json.dumps(names))
    keys, clears = out["keystroke_s"], out["clear_s"]
    base = python_filter_keystrokes(vault.records, names)
    where = f"ui.dashboard.Dashboard in the real MainWindow (offscreen, {out['rows']} rows)"
    typing = make_figure(
        "search_keystroke_p95",
        p95(keys) * 1000,
        "ms",
        p95(base) * 1000,
        max_value=30.0,
        note=f"{where}: QTest.keyClicks of one letter + processEvents (filter, re-sort, "
        f"repaint), typing {len(names)} names letter by letter; baseline: pure-Python name "
        "filter over prepared summaries; p95",
    )
    clear = make_figure(
        "search_clear_keystroke",
        max(clears) * 1000,
        "ms",
        median([python_filter_clear(vault.records) for _ in range(5)]) * 1000,
        max_value=30.0,
        note=f"{where}: Ctrl+A then the timed Backspace that empties the search box and "
        "brings every row back; baseline: pure-Python sort of the names; worst of "
        f"{len(clears)}",
    )
    keystrokes = len(keys) + len(clears)
    details = {
        "names_typed": names,
        "keystrokes": len(keys),
        "median_ms": median(keys) * 1000,
        "max_ms": max(keys) * 1000,
        "clear_ms": [c * 1000 for c in clears],
        "baseline_median_ms": median(base) * 1000,
        "rows_shown_after_each_name": out["rows_shown_after_each_name"],
        "rows_after_clear": out["rows_after_clear"],
        "main_window_after_login_construct_s": out["main_window_construct_s"],
        "main_window_after_login_first_paint_s": out["main_window_first_paint_s"],
        "none_refs_lost_per_keystroke": out["none_refs_lost"] / keystrokes,
    }
    return [typing, clear], details


def editor_figures(
    vault: BenchVault, home: Path, sizes: Sizes
) -> tuple[list[Figure], dict[str, Any]]:
    """Opening records, visiting sections, New child and the export dialog in the real
    MainWindow (offscreen, with the app's services), each to the end of its first paint."""
    probe_sizes = {
        "open": sizes.editor_opens,
        "exports": sizes.editor_exports,
        "new": sizes.editor_new,
        "pause_s": sizes.editor_pause_s,
        "settle_s": sizes.editor_settle_s,
    }
    out, _ = run_probe(
        home, "editor", str(vault.directory), USER, PASSWORD, json.dumps(probe_sizes), timeout=600
    )
    where = f"the real MainWindow with its services (offscreen, {len(vault.records)} records)"
    bare_ms = median(out["bare_widget_s"]) * 1000
    w, h = out["editor_size"]
    opens = [t * 1000 for t in out["open_s"]]
    open_fig = make_figure(
        "open_record_p95",
        p95(opens),
        "ms",
        bare_ms,
        max_value=100.0,
        note=f"{where}: Enter on a dashboard row to the end of the event-loop pass that paints "
        f"the editor, {len(opens)} different records one after another (after one first open, "
        f"reported apart); baseline: a bare QWidget of the editor's size ({w}x{h}) shown as a "
        "window, to its first paint (median); p95",
    )
    firsts = [t * 1000 for t in out["first_visit_s"]]
    revisits = [t * 1000 for t in out["revisit_s"]]
    worst = max(range(len(firsts)), key=firsts.__getitem__)
    section_fig = make_figure(
        "first_visit_section",
        firsts[worst],
        "ms",
        max(revisits),
        max_value=100.0,
        note=f"{where}: Ctrl+PgDown through all {len(out['sections'])} sections of a record not "
        "opened before, each to the end of the pass that paints the new page; the worst first "
        f"visit (section {out['sections'][worst + 1]}); baseline: the worst of the same sections "
        "visited again (Ctrl+PgUp back)",
    )
    news = [t * 1000 for t in out["new_child_s"]]
    new_fig = make_figure(
        "new_child",
        median(news),
        "ms",
        bare_ms,
        max_value=150.0,
        note=f"{where}: Ctrl+N on the dashboard (a record from the setting profile, saved) to "
        "the end of the pass that paints the editor with the cursor in the first name; "
        f"baseline: the bare QWidget above; median of {len(news)}",
    )
    exports = out["export"]
    export_bare_ms = median(out["export_bare_s"]) * 1000
    interactive = [e["interactive"] * 1000 for e in exports]
    first_page = [e["first_page"] * 1000 for e in exports]
    dialog_fig = make_figure(
        "open_export_dialog",
        median(interactive),
        "ms",
        export_bare_ms,
        max_value=300.0,
        note=f"{where}: Ctrl+E in an open editor to the dialog painted and interactive (a "
        "zero-time timer posted at its first paint has run); baseline: a bare QDialog of the "
        f"same size shown, to its first paint; median of {len(exports)}",
    )
    page_fig = make_figure(
        "open_export_dialog_first_page",
        median(first_page),
        "ms",
        export_bare_ms,
        max_value=500.0,
        note=f"{where}: Ctrl+E to the first page of the unsigned preview in the dialog; "
        f"baseline: the bare QDialog above; median of {len(exports)}",
    )
    details = {
        "first_open_ms": out["first_open_s"] * 1000,
        "open_median_ms": median(opens),
        "open_max_ms": max(opens),
        "load_median_ms": median(out["load_s"]) * 1000,
        "back_median_ms": median(out["back_s"]) * 1000,
        "bare_widget_ms": [t * 1000 for t in out["bare_widget_s"]],
        "first_visit_ms": dict(zip(out["sections"][1:], firsts, strict=True)),
        "revisit_ms": dict(zip(out["sections"][:-1], revisits, strict=True)),
        "session_first_visit_ms": dict(
            zip(out["sections"][1:], [t * 1000 for t in out["session_first_visit_s"]], strict=True)
        ),
        "new_child_ms": news,
        "export_ms": [
            {k: (v * 1000 if k != "pages" else v) for k, v in e.items()} for e in exports
        ],
        "export_bare_ms": [t * 1000 for t in out["export_bare_s"]],
    }
    return [open_fig, section_fig, new_fig, dialog_fig, page_fig], details


def memory_figure(vault: BenchVault, home: Path) -> tuple[Figure, dict[str, Any]]:
    out, _ = run_probe(home, "memory", str(vault.directory), USER, PASSWORD)
    base, _ = run_probe(home, "memory-baseline")
    figure = make_figure(
        f"peak_rss_{out['records']}",
        out["after_list_mb"],
        "MB",
        base["after_imports_mb"],
        max_value=300.0,
        note="peak RSS (VmHWM; ru_maxrss is inherited from the parent across fork+exec on "
        "Linux) of a fresh process after unlocking (Argon2id included), list_records and the "
        "dashboard summaries; baseline: a process with the same imports only",
    )
    return figure, {"probe": out, "baseline_probe": base}


def cold_start(vault: BenchVault, home: Path, sizes: Sizes) -> tuple[Figure, dict[str, Any]]:
    app_runs, bare_runs = [], []
    for _ in range(sizes.coldstart_runs):  # interleaved, so drift hits both alike
        out, started = run_probe(home, "coldstart-bare")
        bare_runs.append(out["first_paint"] - started)
        out, started = run_probe(home, "coldstart-app", str(vault.directory))
        app_runs.append(out["first_paint"] - started)
    figure = make_figure(
        "cold_start_login_window",
        median(app_runs),
        "s",
        median(bare_runs),
        max_value=None,
        max_ratio=1.5,
        note="`transitions-app window --vault DIR` in a new process (offscreen) to the first paint "
        "of its first window, which is the login dialog (the app cannot start into the main "
        "window without logging in); baseline: a bare PySide6 QMainWindow started the same "
        "way; median of interleaved runs",
    )
    return figure, {"app_runs_s": app_runs, "bare_runs_s": bare_runs}


# --- export: render + sign, batch, verify ----------------------------------------------------


def fullest_record(records: list[Record]) -> Record:
    """The record with the most to print: highest completeness, then the longest JSON."""
    return max(records, key=lambda r: (overall_completeness(r), len(record_to_bytes(r))))


def render_and_sign(
    records: list[Record], sizes: Sizes
) -> tuple[list[Figure], dict[str, Any], bytes, float]:
    """Two figures: render + sign against render alone (the rendering is the whole tagged
    PDF/A file), and the tagged PDF/A render against reportlab's layout alone (the cost of
    marked content, the structure tree, XMP, output intent and the signature field)."""
    record = fullest_record(records)
    record_json = record_to_bytes(record)
    settings = exporting.ExportSettings(generated_on=datetime.now(UTC).replace(microsecond=0))
    t_load, creds = timed(exporting.load_demo_signer)
    laid_out: list[tuple[Any, ...]] = []
    real_finish = render_module.finish_pdf

    def keep_layout(*args: Any, **kwargs: Any) -> bytes:
        laid_out[:] = [(args, kwargs)]
        return real_finish(*args, **kwargs)

    render_module.finish_pdf = keep_layout
    try:
        pdf = exporting.render(record, settings, record_json)
    finally:
        render_module.finish_pdf = real_finish
    (finish_args, finish_kwargs) = laid_out[0]
    signed = exporting.export_record(record, record_json, creds, settings)
    render_times: list[float] = []
    full_times: list[float] = []
    finish_times: list[float] = []
    sign_times: list[float] = []
    for _ in range(sizes.render_reps):  # interleaved, so drift in machine load hits all alike
        render_times.append(timed(lambda: exporting.render(record, settings, record_json))[0])
        full_times.append(
            timed(lambda: exporting.export_record(record, record_json, creds, settings))[0]
        )
        finish_times.append(timed(lambda: real_finish(*finish_args, **finish_kwargs))[0])
        sign_times.append(timed(lambda: exporting.sign(pdf, creds, settings.generated_on))[0])
    value, base = median(full_times) * 1000, median(render_times) * 1000
    finish = median(finish_times) * 1000
    with pikepdf.open(BytesIO(pdf)) as doc:
        pages = len(doc.pages)
    figure = make_figure(
        "render_and_sign_pdf",
        value,
        "ms",
        base,
        max_ratio=1.5,
        note=f"the fullest synthetic record ({pages} pages, teacher packet): render_record_pdf "
        "(tagged PDF/A-4f, JSON embedded, stamp) + sign_pdf (PAdES B-B), signer already loaded; "
        "baseline: render_record_pdf alone; medians",
    )
    tagging = make_figure(
        "tagged_pdfa_render",
        base,
        "ms",
        max(base - finish, 1e-6),
        max_ratio=1.5,
        note="render_record_pdf (layout with marked content, then export.pdfa.finish_pdf: "
        "structure tree, XMP, output intent, JSON, signature field) against the same layout "
        "without the finishing pass; medians",
    )
    details = {
        "pages": pages,
        "pdf_bytes": len(pdf),
        "signed_bytes": len(signed),
        "render_ms": base,
        "finish_pdf_ms": finish,
        "sign_pdf_ms": median(sign_times) * 1000,
        "load_signer_ms": t_load * 1000,
    }
    return [figure, tagging], details, signed, median(full_times)


def batch_export(
    records: list[Record], work: Path, sizes: Sizes, serial_each_s: float
) -> tuple[Figure, dict[str, Any]]:
    batch = records[: sizes.batch_records]
    out_dir = work / "export"
    out_dir.mkdir()
    settings = exporting.ExportSettings(generated_on=datetime.now(UTC).replace(microsecond=0))
    jobs = [(record_to_bytes(r), str(out_dir / f"{r.id}.pdf")) for r in batch]
    start = time.perf_counter()
    with ProcessPoolExecutor(
        max_workers=2,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=exporting.init_worker,
    ) as pool:
        warm = list(pool.map(exporting.ready, range(2)))
        started = time.perf_counter() - start
        sizes_out = list(
            pool.map(
                exporting.export_to_file,
                [j[0] for j in jobs],
                [j[1] for j in jobs],
                [settings] * len(jobs),
            )
        )
    elapsed = time.perf_counter() - start
    if len(sizes_out) != len(batch) or not all(sizes_out):
        raise RuntimeError("the batch export did not write every PDF")
    # the serial estimate uses the per-record time of the fullest record, an upper bound
    baseline = serial_each_s * len(batch)
    figure = make_figure(
        f"batch_export_{len(batch)}",
        elapsed,
        "s",
        baseline,
        max_value=10.0,
        note="ProcessPoolExecutor, 2 spawn workers, each loading the signer once; render + "
        "attach + sign + write each PDF, pool start-up included; baseline: serial estimate "
        "(records x median render+sign time of the fullest record, measured above)",
    )
    return figure, {
        "records": len(batch),
        "total_pdf_bytes": sum(sizes_out),
        "pool_start_s": started,
        "workers_ready": all(warm),
    }


def verify_signed(signed: bytes, sizes: Sizes) -> tuple[Figure, dict[str, Any]]:
    roots = [load_root_cert(exporting.LA_CA_DIR)]
    crls = [load_crl(exporting.CRL_FILE.read_bytes())]
    now = datetime.now(UTC)
    result = verify_pdf(signed, trust_roots=roots, crls=crls, now=now)
    if not result.valid:
        raise RuntimeError(f"the benchmark's signed PDF does not verify: {result.reason}")
    times = repeat(
        lambda: verify_pdf(signed, trust_roots=roots, crls=crls, now=now), sizes.verify_reps
    )

    def open_only() -> int:
        with pikepdf.open(BytesIO(signed)) as doc:
            return len(doc.pages)

    base = repeat(open_only, sizes.verify_reps)
    figure = make_figure(
        "verify_signed_pdf",
        median(times) * 1000,
        "ms",
        median(base) * 1000,
        max_value=100.0,
        note="verify_pdf with the Northshire LA root and CRL (chain, integrity, coverage, "
        "revocation, embedded JSON) of the signed PDF above; baseline: pikepdf.open of the same "
        "bytes; medians",
    )
    return figure, {"valid": result.valid, "reason": result.reason, "p95_ms": p95(times) * 1000}


def new_work_dir(parent: Path | None) -> Path:
    return Path(tempfile.mkdtemp(prefix="transitions-bench-", dir=parent))
