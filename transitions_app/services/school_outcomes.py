"""The EYFS profile outcomes the school sends back to each setting: a blank sheet of the received
children, outcomes entered in the app or read from the school's CSV, and one signed outcome file
per setting."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from export.receipts import OUTCOMES, sign_document
from models.errors import InterchangeError, ValidationFailed, VaultError
from models.safe_output import write_public_file
from models.school import (
    ChildOutcome,
    EnteredOutcomes,
    RowError,
    clean_entered,
    filled_outcomes_csv,
    is_complete,
    match_outcomes,
    outcomes_template_csv,
    parse_outcomes_csv,
)
from transitions_app.services.school_part import SchoolPart
from transitions_app.services.school_store import (
    OutcomeFiles,
    OutcomeFileSummary,
    outcome_file_name,
)
from transitions_app.services.vault_json import save_file


class SchoolOutcomes(SchoolPart):
    """Outcome sheets, entered outcomes and signed outcome files, over the school's store."""

    def outcome_files(self, csv_bytes: bytes) -> OutcomeFiles:
        """Signed outcome files, one per setting, from the school's EYFSP CSV. Any bad row stops
        every file being made (the errors say which rows)."""
        parsed = parse_outcomes_csv(csv_bytes)
        matched, errors = match_outcomes(parsed.rows, self._store.records())
        errors = sorted([*parsed.errors, *errors], key=lambda e: e.line)
        if errors:
            return OutcomeFiles(errors=errors)
        if not matched:
            return OutcomeFiles(errors=[RowError(0, "The outcomes file has no children in it.")])
        info = self._trust.info()
        by_setting: dict[str, list[ChildOutcome]] = {}
        for child in matched:
            by_setting.setdefault(child.setting_urn, []).append(child)
        now = self._clock()
        identity = self._trust.identity()
        files: dict[str, bytes] = {}
        for urn, children in sorted(by_setting.items()):
            payload = {
                "school": {"urn": info.urn, "name": info.name},
                "setting_urn": urn,
                "setting_name": children[0].setting_name,
                "returned_on": now.date().isoformat(),
                "children": [c.to_dict() for c in children],
            }
            files[urn] = sign_document(OUTCOMES, payload, identity, signed_at=now)
        self._vault.record_event(
            "school_outcomes", None, {"settings": len(files), "children": len(matched)}
        )
        return OutcomeFiles(files=files)

    def outcomes_template_csv(self) -> bytes:
        """A blank EYFSP outcomes sheet with one row per received child, in the columns that
        :meth:`outcome_files` reads (see :func:`models.school.outcomes.outcomes_template_csv`)."""
        return outcomes_template_csv(self._store.records())

    def save_outcomes_template(self, path: Path) -> int:
        """Write the blank outcomes sheet to ``path``; returns how many children are on it. The
        sheet holds names, so the audit trail notes it."""
        records = self._store.records()
        save_file(path, outcomes_template_csv(records))
        self._vault.record_event("school_outcomes_sheet_saved", None, {"children": len(records)})
        return len(records)

    def outcome_summaries(self, files: dict[str, bytes]) -> list[OutcomeFileSummary]:
        """One line per outcome file made by :meth:`outcome_files`, in setting order."""
        out = []
        for urn, body in sorted(files.items()):
            try:
                payload = json.loads(base64.b64decode(json.loads(body)["payload"]))
                children = list(payload["children"])
            except (ValueError, KeyError, TypeError):
                raise InterchangeError("An outcome file made here cannot be read back.") from None
            out.append(
                OutcomeFileSummary(
                    urn=urn,
                    name=str(payload.get("setting_name", "")),
                    children=len(children),
                    gld=sum(1 for c in children if isinstance(c, dict) and c.get("gld") is True),
                    file_name=outcome_file_name(urn),
                )
            )
        return out

    def save_outcome_files(self, files: dict[str, bytes], folder: Path) -> list[Path]:
        """Write each setting's signed outcome file (from :meth:`outcome_files`) into ``folder``
        as ``outcomes-<URN>.json``; returns the paths in setting order."""
        folder = Path(folder)
        written = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for urn, body in sorted(files.items()):
                path = folder / outcome_file_name(urn)
                write_public_file(path, body)
                written.append(path)
        except OSError as exc:
            raise VaultError(f"Cannot write to {folder}: {exc.strerror or exc}.") from None
        self._vault.record_event("school_outcomes_saved", None, {"settings": len(written)})
        return written

    # --- outcomes entered in the app ----------------------------------------------------------

    def entered_outcomes(self) -> EnteredOutcomes:
        """The EYFS profile outcomes entered so far in the app (record id -> aspect ->
        ``expected``/``emerging``), for children still received; a goal not yet entered is
        absent."""
        raw = self._store.entered_outcomes()
        try:
            entered = clean_entered(raw)
        except ValueError:
            raise VaultError("The vault's entered outcomes are damaged.") from None
        received = set(self._store.index())
        return {rid: elgs for rid, elgs in entered.items() if rid in received}

    def save_entered_outcomes(self, entered: dict[str, dict[str, str]]) -> None:
        """Keep the outcomes entered so far (the whole mapping replaces what was kept). Every
        child must be a received record and every value expected or emerging; the audit trail
        notes how many children have outcomes, never the outcomes."""
        try:
            clean = clean_entered(entered)
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
        unknown = set(clean) - set(self._store.index())
        if unknown:
            raise ValidationFailed(
                "Outcomes were entered for a child whose record is not in this vault."
            )
        self._store.put_entered_outcomes(clean)
        self._vault.record_event(
            "school_outcomes_entered",
            None,
            {"children": len(clean), "complete": sum(1 for e in clean.values() if is_complete(e))},
        )

    def entered_outcomes_csv(self) -> bytes:
        """The entered outcomes as the EYFSP CSV that :meth:`outcome_files` reads (the blank
        sheet filled in, see :func:`models.school.outcomes.filled_outcomes_csv`)."""
        return filled_outcomes_csv(self._store.records(), self.entered_outcomes())
