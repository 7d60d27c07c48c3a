"""The local authority's returns: made and signed in a setting's or school's vault
(:class:`LaReturnService`), and read, verified and added up by the LA (:class:`LaReportService`).

A return holds counts only. The facts it is made from are read here from the vault (records, the
audit trail, the schools' receipts and outcomes, or the school's received records and queue) and
reduced at once to dates and yes/no answers (:mod:`models.la.returns`); no name, date of birth,
id or note leaves this module.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography import x509

from export import pki
from export.la_return_file import (
    MAX_RETURN_BYTES,
    VerifiedReturn,
    certificate_urn,
    sign_return,
    verify_return,
)
from models.charter import Charter
from models.charter.model import RECORD_STATUS_PATH
from models.errors import (
    CharterInvalid,
    CharterViolation,
    PermissionDenied,
    SignatureInvalid,
    VaultError,
)
from models.flags import derive_flags
from models.la.insight import Accepted, Expected, LaInsight, Refused, build_insight, insight_csv
from models.la.returns import (
    SCHOOL,
    SETTING,
    CharterRef,
    LaReturn,
    OutcomeFact,
    Period,
    ReceivedFact,
    SchoolFacts,
    SettingChild,
    SettingFacts,
    build_school_return,
    build_setting_return,
    quarantine_reason,
)
from models.roles import SCHOOL_ROLES, Permission, can
from transitions_app.services.charter_service import CharterService
from transitions_app.services.vault_json import json_blob, save_file, utc_now
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]
EXPORT_REFUSED = "export_refused"  # the audit action export_service writes for a refused export
MEETING_PATH = "send.meeting_date"
RETURN_SUFFIX = ".json"
MAX_FILES = 5000


def _day(text: object) -> date | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _day(value)


class LaReturnService:
    """Make, sign and save the vault's return to the LA (a manager, childminder or headteacher)."""

    def __init__(self, vault: VaultService, *, clock: Clock | None = None) -> None:
        if not can(vault.user.role, Permission.IMPORT_CHARTER):
            raise PermissionDenied(
                "Only a manager, childminder or headteacher makes the return to the local authority."
            )
        self._vault = vault
        self._clock = clock or utc_now
        self._charters = CharterService(vault, clock=self._clock)

    @property
    def is_school(self) -> bool:
        return self._vault.user.role in SCHOOL_ROLES

    def _today(self) -> date:
        return self._clock().astimezone(UTC).date()

    def default_period(self) -> Period:
        return Period.holding(self._today())

    def _charter(self) -> Charter:
        charter = self._charters.charter()
        if charter is None:
            raise CharterInvalid(
                "A return names the LA's charter: import the charter before making a return."
            )
        return charter

    def _identity(self) -> pki.SigningIdentity:
        """The LA-issued certificate that signs the return (a self-signed one is refused)."""
        root, crl = self._charters.la_root(), self._charters.crl()
        if self.is_school:
            from transitions_app.services.school_service import SchoolService

            identity = SchoolService(self._vault, clock=self._clock).identity()
        else:
            stored = self._charters.setting_identity()
            if stored is None:
                raise CharterViolation(
                    "The setting has no signing certificate; import the one your LA issued first."
                )
            identity = stored
        if root is None:
            raise CharterInvalid("Import the LA's charter and root before making a return.")
        try:
            if identity.cert == root:
                raise SignatureInvalid("The LA's root cannot sign a return.")
            pki.check_issued_by(identity.cert, root, now=self._clock(), crl=crl)
        except SignatureInvalid:
            raise CharterViolation(
                "A return to the LA is signed with the certificate your LA issued to you; this "
                "vault's certificate is self-signed, expired, revoked or from another LA. Import "
                "the certificate from your LA first."
            ) from None
        return identity

    def _who(self, identity: pki.SigningIdentity) -> tuple[str, str]:
        urn = certificate_urn(identity.cert)
        if self.is_school:
            from transitions_app.services.school_service import SchoolService

            info = SchoolService(self._vault, clock=self._clock).info()
            return info.urn, info.name
        org = [str(a.value) for a in identity.cert.subject if a.oid.dotted_string == "2.5.4.10"]
        return urn, org[0] if org else urn

    # --- facts --------------------------------------------------------------------------------

    def setting_facts(self, period: Period, identity: pki.SigningIdentity) -> SettingFacts:
        charter = self._charter()
        today = self._today()
        sent_deadline = meeting_deadline = None
        meeting_statuses: tuple[str, ...] | None = None
        meeting_rule = None
        for d in charter.deadlines:
            done = d.done_when
            if done is None:
                continue
            if done.path == RECORD_STATUS_PATH and sent_deadline is None:
                sent_deadline = d.due_in_year_of(period.start)
            elif done.path == MEETING_PATH and meeting_deadline is None:
                meeting_deadline = d.due_in_year_of(period.start)
                meeting_rule = d.applies_when
                if (
                    meeting_rule is not None
                    and meeting_rule.path == "send.status"
                    and meeting_rule.any_of
                ):
                    meeting_statuses = tuple(meeting_rule.any_of)
        if meeting_deadline is None:
            meeting_statuses = ("sen_support", "ehc_assessment", "ehc_plan")
        first_export: dict[str, date] = {}
        refused: dict[str, set[str]] = {}
        for entry in self._vault.audit_entries():
            if not entry.intact or entry.record_id is None:
                continue
            day = entry.at.astimezone(UTC).date()
            if entry.action == "exported":
                known = first_export.get(entry.record_id)
                first_export[entry.record_id] = day if known is None else min(known, day)
            elif entry.action == EXPORT_REFUSED and period.contains(day):
                items = entry.detail.get("items")
                if isinstance(items, list):
                    refused.setdefault(entry.record_id, set()).update(str(i) for i in items)
        receipted: set[str] = set()
        read: set[str] = set()
        for receipt in json_blob(self._vault, "feedback/receipts", []):
            for item in receipt.get("records", []) if isinstance(receipt, dict) else []:
                if isinstance(item, dict) and isinstance(item.get("record_id"), str):
                    receipted.add(item["record_id"])
                    if item.get("read_by"):
                        read.add(item["record_id"])
        children = []
        for record in self._vault.list_records():
            flags = derive_flags(record)
            sent_on = first_export.get(record.id)
            if sent_on is None and record.export_version > 0:
                sent_on = record.updated.astimezone(UTC).date()
            missing = (
                tuple(sorted({m.label for m in charter.missing_for_export(record, today)}))
                if sent_on is None
                else ()
            )
            children.append(
                SettingChild(
                    school_start=_as_date(record.get("child.school_start_date")),
                    sent_on=sent_on,
                    refused_items=tuple(sorted(refused.get(record.id, ()))),
                    missing_now=missing,
                    send_status=record.get("send.status"),
                    coproduced=record.get("send.plan_coproduced") is True,
                    meeting_on=_as_date(record.get(MEETING_PATH)),
                    meeting_applies=meeting_rule is None or meeting_rule.holds(record),
                    waiting=bool(flags.waiting_list),
                    receipt=record.id in receipted,
                    read=record.id in read,
                )
            )
        outcomes = []
        stored = json_blob(self._vault, "feedback/outcomes", {})
        for value in stored.values() if isinstance(stored, dict) else []:
            if not isinstance(value, dict) or not period.contains(_day(value.get("signed_at"))):
                continue
            groups = value.get("groups", [])
            outcomes.append(
                OutcomeFact(
                    groups=frozenset(str(g) for g in groups if isinstance(g, str)),
                    gld=value.get("gld") is True,
                )
            )
        urn, name = self._who(identity)
        return SettingFacts(
            urn=urn,
            name=name,
            charter=CharterRef(
                charter.identity.id, charter.identity.version, charter.identity.issuing_la
            ),
            period=period,
            made_on=today,
            children=tuple(children),
            outcomes=tuple(outcomes),
            sent_deadline=sent_deadline,
            meeting_deadline=meeting_deadline,
            meeting_statuses=meeting_statuses,
            gld_target=charter.gld_target_percent,
        )

    def school_facts(self, period: Period) -> SchoolFacts:
        from transitions_app.services.school_service import SchoolService

        charter = self._charter()
        school = SchoolService(self._vault, clock=self._clock)
        info = school.info()
        reads = school.reads()
        received = []
        for record in school.records():
            prov = school.provenance(record.id)
            imported = _day(prov.imported_at)
            if imported is None or not period.contains(imported):
                continue
            read = reads.get(record.id, {})
            received.append(
                ReceivedFact(
                    imported_on=imported,
                    vouched=prov.vouched and not prov.release_note,
                    read_on=_day(read.get("on")) if isinstance(read, dict) else None,
                )
            )
        quarantined: list[str] = []
        outcome_children = outcome_settings = 0
        for entry in self._vault.audit_entries():
            if not entry.intact or not period.contains(entry.at.astimezone(UTC).date()):
                continue
            if entry.action == "school_quarantined":
                quarantined.append(quarantine_reason(str(entry.detail.get("reason", ""))))
            elif entry.action == "school_outcomes":
                outcome_children += _count(entry.detail.get("children"))
                outcome_settings += _count(entry.detail.get("settings"))
        queue = school.senco_queue(self._today())
        return SchoolFacts(
            urn=info.urn,
            name=info.name,
            charter=CharterRef(
                charter.identity.id, charter.identity.version, charter.identity.issuing_la
            ),
            period=period,
            made_on=self._today(),
            received=tuple(received),
            quarantined=tuple(quarantined),
            senco_items=len(queue),
            senco_overdue=sum(1 for q in queue if q.overdue),
            outcome_children=outcome_children,
            outcome_settings=outcome_settings,
        )

    # --- the return ---------------------------------------------------------------------------

    def make_return(self, period: Period | None = None) -> LaReturn:
        """The return's content (not signed): what :meth:`signed_return` signs."""
        return self._content(period or self.default_period(), self._identity())

    def _content(self, period: Period, identity: pki.SigningIdentity) -> LaReturn:
        if self.is_school:
            return build_school_return(self.school_facts(period))
        return build_setting_return(self.setting_facts(period, identity))

    def signed_return(self, period: Period | None = None) -> tuple[LaReturn, bytes]:
        """The return's content and the signed file's bytes."""
        identity = self._identity()
        content = self._content(period or self.default_period(), identity)
        return content, sign_return(content, identity, signed_at=self._clock())

    def save_return(self, path: Path, period: Period | None = None) -> LaReturn:
        """Write the signed return to ``path``; the audit trail notes the year."""
        content, data = self.signed_return(period)
        save_file(Path(path), data)
        self._vault.record_event("la_return", None, {"period": content.period.label})
        return content


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def default_return_name(content: LaReturn) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in content.urn) or "return"
    return f"la-return-{content.kind}-{safe}-{content.period.label}{RETURN_SUFFIX}"


# ================================================================================ the LA's side


@dataclass(frozen=True, slots=True)
class CaTrust:
    """What the LA verifies returns with: its root, revoked serials and its register."""

    root: x509.Certificate
    revoked: frozenset[int]
    crl: x509.CertificateRevocationList | None
    expected: tuple[Expected, ...]


def load_ca_trust(ca: Path, crl_file: Path | None = None, *, now: datetime) -> CaTrust:
    """The LA root from a CA folder (made by ``la init``), the serials its register marks revoked
    and who it issued signing certificates to; no passphrase is needed."""
    ca = Path(ca)
    if not (ca / pki.ROOT_CERT_FILE).is_file():
        raise VaultError(f"{ca} is not an LA CA folder: it has no {pki.ROOT_CERT_FILE}.")
    root = pki.load_root_cert(ca)
    issued = pki.list_issued(ca)
    revoked = frozenset(r.serial for r in issued if r.revoked_on is not None)
    crl = None
    if crl_file is not None:
        try:
            crl_bytes = Path(crl_file).read_bytes()
        except OSError as exc:
            raise VaultError(
                f"Cannot read the revocation list {crl_file}: {exc.strerror or exc}."
            ) from None
        crl = pki.load_crl(crl_bytes)
        pki.check_crl(crl, root, now=now)
    expected = tuple(
        Expected(r.setting, r.urn, r.kind)
        for r in issued
        if r.revoked_on is None and r.not_after >= now and r.kind != "encryption"
    )
    return CaTrust(root, revoked, crl, expected)


def return_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the ``.json`` files directly inside the folders named."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(
                sorted(
                    c for c in p.iterdir() if c.suffix.lower() == RETURN_SUFFIX and not c.is_dir()
                )
            )
        else:
            out.append(p)
        if len(out) > MAX_FILES:
            raise VaultError(f"More than {MAX_FILES} files were given; report on fewer at a time.")
    return out


def _read(path: Path) -> bytes:
    """A regular file's bytes, no more than a return can be (a FIFO or device is refused)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise SignatureInvalid(f"The file cannot be read: {exc.strerror or exc}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise SignatureInvalid("It is not a regular file.")
    if info.st_size > MAX_RETURN_BYTES:
        raise SignatureInvalid("The file is too large to be a return.")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_RETURN_BYTES + 1)
    except OSError as exc:
        raise SignatureInvalid(f"The file cannot be read: {exc.strerror or exc}.") from None
    if len(data) > MAX_RETURN_BYTES:
        raise SignatureInvalid("The file is too large to be a return.")
    return data


class LaReportService:
    """Verify a folder of returns against the LA's root and register, and add them up."""

    def __init__(self, ca: Path, *, crl: Path | None = None, clock: Clock | None = None) -> None:
        self._clock = clock or utc_now
        self.trust = load_ca_trust(ca, crl, now=self._clock())

    def verify(self, data: bytes) -> VerifiedReturn:
        verified = verify_return(
            data,
            root=self.trust.root,
            revoked=self.trust.revoked,
            crl=self.trust.crl,
            now=self._clock(),
        )
        kinds = {e.urn: e.kind for e in self.trust.expected if e.kind}
        registered = kinds.get(verified.content.urn)
        if registered in (SETTING, SCHOOL) and registered != verified.content.kind:
            raise SignatureInvalid(
                f"The return says it is a {verified.content.kind_label}'s, but your LA issued its "
                f"certificate to a {registered} (URN {verified.content.urn}): it is refused."
            )
        return verified

    def insight(
        self,
        paths: Sequence[Path],
        *,
        period: Period | None = None,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> LaInsight:
        files = return_files(paths)
        accepted: list[Accepted] = []
        refused: list[Refused] = []
        for n, path in enumerate(files, start=1):
            if progress:
                progress(n - 1, len(files), path.name)
            try:
                v = self.verify(_read(path))
            except SignatureInvalid as exc:
                refused.append(Refused(path.name, str(exc)))
                continue
            accepted.append(Accepted(v.content, v.signed_at, path.name, v.signer))
        if progress:
            progress(len(files), len(files), "")
        return build_insight(accepted, refused, period=period, expected=self.trust.expected)

    @staticmethod
    def csv(insight: LaInsight) -> bytes:
        return insight_csv(insight)

    @staticmethod
    def pdf(insight: LaInsight, *, la_name: str, generated_on: datetime) -> bytes:
        from export.la_report import render_la_report_pdf

        return render_la_report_pdf(insight, la_name=la_name, generated_on=generated_on)

    def la_name(self) -> str:
        names = [str(a.value) for a in self.trust.root.subject if a.oid.dotted_string == "2.5.4.10"]
        return names[0] if names else self.trust.root.subject.rfc4514_string()

    def save_csv(self, insight: LaInsight, path: Path) -> None:
        save_file(Path(path), insight_csv(insight))

    def save_pdf(self, insight: LaInsight, path: Path) -> None:
        save_file(Path(path), self.pdf(insight, la_name=self.la_name(), generated_on=self._clock()))
