"""The family's part: the form that goes home and comes back, the family's copy, the pictures.

What the window and the command line call. The rules are enforced here:

* a form is made only by a role that edits records; it carries a ticket (record id, serial, date)
  authenticated with a key only this vault holds (blob ``family/form-key``, encrypted like every
  blob), and the vault notes what the form showed (blob ``family/forms/<record id>``);
* reading a returned form changes nothing: :meth:`FamilyService.read_return` gives a preview of
  what the answers would change, or refuses the form with a plain reason (another vault's, hidden
  fields edited, already read in, older than one already read in, the child not in this vault);
* :meth:`FamilyService.apply_return` takes in what needs no choice and exactly the choices a
  person made, saved as one ordinary save (so a concurrent save elsewhere is a conflict, not a
  lost edit), with the provenance "From the family's form, returned on DATE";
* a picture is decoded and re-encoded in memory (:mod:`models.pictures`) and kept inside the
  record, so it is encrypted in the vault with it and travels in the record's JSON.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from export.encrypt import PasswordEncryption
from export.family_copy import FamilyCopyOptions, render_family_copy
from export.family_form import (
    MAX_FORM_BYTES,
    FormOptions,
    protect_with_password,
    read_form,
    render_family_form,
)
from export.sign import sign_pdf
from export.stamp import SignatureLabel
from models.errors import PermissionDenied, SaveConflict, TransitionsError, VaultError
from models.family import (
    SERIAL_ALPHABET,
    SERIAL_LENGTH,
    FamilyChange,
    FormRefused,
    IssuedForm,
    apply_changes,
    check_not_returned,
    check_ticket,
    compute_changes,
    field_texts,
    form_questions,
    issued_from_json,
    issued_to_json,
    make_ticket,
    paper_serial,
    prefilled_values,
    read_answers,
    serial_text,
)
from models.pictures import (
    MAX_FILE_BYTES,
    Picture,
    PictureRefused,
    prepare_picture,
    with_caption,
    with_picture,
    without_picture,
)
from models.record import FamilySource, Person, Record
from models.roles import Permission, can
from transitions_app.services.charter_service import CharterService
from transitions_app.services.vault_json import json_blob, put_json, save_file
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]
Token = Callable[[], str]

FORM_KEY_BLOB = "family/form-key"
FORMS_BLOB = "family/forms/"  # + record id: the forms sent home for that child
KEY_BYTES = 32
MAX_FORMS_KEPT = 50  # per child; the oldest notes go first (their forms are then refused)


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def new_serial() -> str:
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


@dataclass(frozen=True)
class FormMade:
    pdf: bytes
    serial: str
    issued_on: date
    consent: bool  # the consent questions are on the form (the charter asks for consent)

    @property
    def reference(self) -> str:
        return serial_text(self.serial)


UNSIGNED_COPY_NOTE = (
    "The family's copy is not signed: this setting has no signing certificate yet "
    "(a manager imports the LA's certificate, or creates a self-signed one)."
)


@dataclass(frozen=True)
class FamilyCopy:
    """The family's copy, and who signed it (empty: unsigned, the setting has no certificate)."""

    pdf: bytes
    signed_by: str = ""  # the stamp's sentence, "Signed by …"

    @property
    def note(self) -> str:
        """One sentence for the person who made it: who signed it, or why it is not signed."""
        return f"{self.signed_by}." if self.signed_by else UNSIGNED_COPY_NOTE


@dataclass(frozen=True)
class ReturnPreview:
    """What a returned form would change, before anything is changed."""

    record: Record  # as it was when the form was read
    serial: str
    issued_on: date | None
    returned_on: date
    source: FamilySource
    changes: tuple[FamilyChange, ...]
    problems: tuple[str, ...] = ()  # answers that could not be read
    warning: str = ""  # for example: a newer form went home and has not come back
    entered_by: str = ""

    @property
    def child(self) -> str:
        return self.record.display_name

    @property
    def automatic(self) -> tuple[FamilyChange, ...]:
        return tuple(c for c in self.changes if not c.needs_choice)

    @property
    def choices(self) -> tuple[FamilyChange, ...]:
        return tuple(c for c in self.changes if c.needs_choice)


@dataclass(frozen=True)
class ReturnApplied:
    record: Record
    taken: tuple[str, ...]  # the paths the family's answers changed
    kept: tuple[str, ...] = field(default=())  # choices where the setting's words were kept


class FamilyService:
    def __init__(
        self,
        vault: VaultService,
        *,
        clock: Clock | None = None,
        token: Token | None = None,
    ) -> None:
        self._vault = vault
        self._clock = clock or _utc_now
        self._token = token or new_serial

    def _today(self) -> date:
        return self._clock().astimezone(UTC).date()

    def _require_edit(self, what: str) -> None:
        if not can(self._vault.user.role, Permission.EDIT_RECORDS):
            raise PermissionDenied(f"Your role cannot {what}.")

    # --- the vault's form key and its note of forms sent home -----------------------------------

    def _key(self, *, create: bool) -> bytes | None:
        key = self._vault.get_blob(FORM_KEY_BLOB)
        if key is None and create:
            key = os.urandom(KEY_BYTES)
            self._vault.put_blob(FORM_KEY_BLOB, key)
        if key is not None and len(key) != KEY_BYTES:
            raise VaultError(
                "The vault's family form key is damaged; forms cannot be made or read."
            )
        return key

    def _register(self, record_id: str) -> list[IssuedForm]:
        raw = json_blob(self._vault, FORMS_BLOB + record_id, {"forms": []})
        forms = raw.get("forms") if isinstance(raw, dict) else None
        if not isinstance(forms, list):
            raise FormRefused("The vault's note of the forms sent home is damaged.")
        return [issued_from_json(f) for f in forms]

    def issued_forms(self, record_id: str) -> list[IssuedForm]:
        """The forms made for this child, oldest first."""
        return self._register(record_id)

    # --- the form that goes home ------------------------------------------------------------------

    def asks_consent(self) -> bool:
        """Does the charter ask for consent (so the form carries the consent questions)?"""
        return self._charter_asks_consent()[0]

    def _charter_asks_consent(self) -> tuple[bool, Any]:
        try:
            charter = CharterService(self._vault, clock=self._clock).charter()
        except TransitionsError:
            return False, None
        if charter is None:
            return False, None
        policy = charter.consent
        return bool(policy.required_before_export or policy.separate_consent_sections), charter

    def make_form(self, record_id: str, *, password: str | None = None) -> FormMade:
        """A fillable form for the child's family, pre-filled from the record (optionally locked
        with ``password``). The vault notes what it showed; nothing in the record changes."""
        self._require_edit("make a family form")
        record = self._vault.load(record_id)
        consent, charter = self._charter_asks_consent()
        questions = form_questions(consent=consent)
        prefilled = prefilled_values(record, questions)
        key = self._key(create=True)
        assert key is not None
        today = self._today()
        serial = self._token()
        ticket = make_ticket(key, record.id, serial, today)
        options = FormOptions(
            child_name=record.display_name,
            setting_name=str(record.get("child.setting_name") or "the setting"),
            school_name=str(record.get("child.school_name") or "school"),
            send_back_to=self._send_back_to(record),
            consent_text=_consent_text(record, charter) if consent else "",
            generated_on=self._clock(),
        )
        pdf = render_family_form(questions, field_texts(questions, prefilled), ticket, options)
        if password:
            pdf = protect_with_password(pdf, password)
        forms = self._register(record.id)
        forms.append(
            IssuedForm(serial, record.id, today, self._vault.user.name, consent, prefilled)
        )
        put_json(
            self._vault,
            FORMS_BLOB + record.id,
            {"forms": [issued_to_json(f, record) for f in forms[-MAX_FORMS_KEPT:]]},
        )
        self._vault.record_event(
            "family_form_made", record.id, {"serial": serial, "locked": bool(password)}
        )
        return FormMade(pdf, serial, today, consent)

    @staticmethod
    def _send_back_to(record: Record) -> str:
        setting = str(record.get("child.setting_name") or "the setting")
        for path in ("transition.setting_contact", "child.key_person"):
            person = record.get(path)
            if isinstance(person, Person) and person.name.strip():
                return f"{person.name} at {setting}"
        return setting

    # --- coming back ------------------------------------------------------------------------------

    def read_return(self, pdf: bytes, *, password: str | None = None) -> ReturnPreview:
        """What a returned form would change. Changes nothing.

        :raises FormRefused: (and its kinds in :mod:`export.family_form`) with the plain reason.
        """
        self._require_edit("read in a family form")
        contents = read_form(pdf, password=password)
        key = self._key(create=False)
        if key is None:
            raise FormRefused(
                "This vault has never made a family form, so this form was made by another "
                "setting's Transitions; nothing was changed."
            )
        ticket = check_ticket(key, contents.hidden)
        try:
            record = self._vault.load(ticket.record_id)
        except VaultError:
            raise FormRefused(
                "The child this form is about is no longer in this vault; nothing was changed."
            ) from None
        register = self._register(record.id)
        form = next((f for f in register if f.serial == ticket.serial), None)
        if form is None:
            raise FormRefused(
                f"This vault has no note of form {serial_text(ticket.serial)} any more (it keeps "
                f"the last {MAX_FORMS_KEPT} per child); send the family a new form. Nothing was changed."
            )
        warning = check_not_returned(record, form, register)
        today = self._today()
        answers = read_answers(
            contents.fields, form_questions(consent=form.consent), returned_on=today
        )
        changes = compute_changes(
            record, answers.values, form.prefilled, returned_on=today, source=FamilySource.FORM
        )
        return ReturnPreview(
            record=record,
            serial=form.serial,
            issued_on=form.issued_on,
            returned_on=today,
            source=FamilySource.FORM,
            changes=tuple(changes),
            problems=answers.problems,
            warning=warning,
        )

    def read_return_file(self, path: Path, *, password: str | None = None) -> ReturnPreview:
        """:meth:`read_return` for a file a person chose or dropped (a regular file of at most
        the form size limit, checked before it is read)."""
        return self.read_return(
            _read_limited(Path(path), MAX_FORM_BYTES, "family form"), password=password
        )

    @staticmethod
    def save_file(path: Path, data: bytes) -> None:
        """Write a form or copy where the person chose (whole, never half-written)."""
        save_file(Path(path), data)

    def paper_preview(
        self,
        record_id: str,
        typed: Mapping[str, Any],
        *,
        serial: str = "",
        shown: Mapping[str, Any] | None = None,
    ) -> ReturnPreview:
        """What the answers a person typed in from the family's paper form would change.

        ``typed`` maps question paths to typed values as the person entered them; ``shown`` is
        what the entry form showed them to start with (default: the record's values). ``serial``
        is the form number printed at the foot of the paper form, when it can be read: that form
        is then checked like a returned file (not read in twice) and its pre-filled answers are
        the starting point.
        """
        self._require_edit("enter a family form")
        record = self._vault.load(record_id)
        today = self._today()
        wanted = serial.replace("-", "").replace(" ", "").upper()
        form: IssuedForm | None = None
        warning = ""
        if wanted:
            register = self._register(record.id)
            form = next((f for f in register if f.serial == wanted), None)
            if form is None:
                raise FormRefused(
                    f"Form {serial_text(wanted)} was not made for {record.display_name} in this vault; "
                    "check the number at the foot of the paper form. Nothing was changed."
                )
            warning = check_not_returned(record, form, register)
        consent = form.consent if form is not None else self._charter_asks_consent()[0]
        questions = form_questions(consent=consent)
        start = dict(shown) if shown is not None else prefilled_values(record, questions)
        prefilled = form.prefilled if form is not None else start
        answers = {q.path: typed.get(q.path) for q in questions if q.path in typed}
        changes = compute_changes(
            record, answers, prefilled, returned_on=today, source=FamilySource.PAPER
        )
        return ReturnPreview(
            record=record,
            serial=form.serial if form is not None else paper_serial(record, today),
            issued_on=form.issued_on if form is not None else None,
            returned_on=today,
            source=FamilySource.PAPER,
            changes=tuple(changes),
            warning=warning,
            entered_by=self._vault.user.name,
        )

    def apply_return(
        self, preview: ReturnPreview, take_family: Iterable[str] = ()
    ) -> ReturnApplied:
        """Take in the family's answers: every one that needs no choice, and the choices listed in
        ``take_family`` (paths). The record is saved once; a save by someone else since the form
        was read is a :class:`SaveConflict` and nothing is changed."""
        self._require_edit("read in a family form")
        found, _gone = self._vault.get_records([preview.record.id])
        current = found[0] if found else None
        if current is None:
            raise FormRefused("The child's record is no longer in this vault; nothing was changed.")
        register = self._register(current.id)
        form = next((f for f in register if f.serial == preview.serial), None)
        if form is not None:
            check_not_returned(current, form, register)  # read in since, or a newer one was
        elif any(r.serial == preview.serial for r in current.family_returns):
            raise FormRefused("This form has already been read in; nothing was changed.")
        if current.updated != preview.record.updated or not current.content_equals(preview.record):
            raise SaveConflict(
                "The record was changed after the form was read; read the form in again to see "
                "what it would change now. Nothing was changed."
            )
        chosen = set(take_family)
        unknown = chosen - {c.path for c in preview.choices}
        if unknown:
            raise FormRefused(
                f"There is no choice to make for {', '.join(sorted(unknown))}; nothing was changed."
            )
        new, taken = apply_changes(
            preview.record,
            preview.changes,
            chosen,
            serial=preview.serial,
            source=preview.source,
            returned_on=preview.returned_on,
            issued_on=preview.issued_on,
            entered_by=preview.entered_by,
        )
        saved = self._vault.save(new)
        self._vault.record_event(
            "family_form_read",
            saved.id,
            {"serial": preview.serial, "source": preview.source.value, "answers": len(taken)},
        )
        kept = tuple(c.path for c in preview.choices if c.path not in chosen)
        return ReturnApplied(saved, taken, kept)

    # --- the family's copy --------------------------------------------------------------------------

    def family_copy(self, record_id: str, *, password: str | None = None) -> FamilyCopy:
        """The record as the family sees it (plain words, no safeguarding flag, no private contact
        details), signed with the setting's signing identity as an export is (the person's display
        name and role on the stamp), optionally locked with ``password`` in the same pass. A
        setting without a certificate gets the unsigned copy and :attr:`FamilyCopy.note` says so.

        :raises SigningFailed: the setting's certificate is not valid today.
        """
        if not can(self._vault.user.role, Permission.EXPORT):
            raise PermissionDenied("Your role cannot make the family's copy.")
        record = self._vault.load(record_id)
        _consent, charter = self._charter_asks_consent()
        la = ""
        if charter is not None and charter.la_contact.name:
            bits = [b for b in (charter.la_contact.email, charter.la_contact.phone) if b]
            la = charter.la_contact.name + (f" ({', '.join(bits)})" if bits else "")
        now = self._clock()
        identity = CharterService(self._vault, clock=self._clock).setting_identity()
        organisation = str(record.get("child.setting_name") or "")
        label = None
        if identity is not None:
            label = SignatureLabel(
                name=self._vault.display_name(),
                role=self._vault.user.role.label,
                organisation=organisation,
                signed_on=now.date(),
            )
        pdf = render_family_copy(
            record,
            FamilyCopyOptions(
                generated_on=now, contact=_setting_contact(record), la_contact=la, signature=label
            ),
        )
        if identity is not None and label is not None:
            pdf = sign_pdf(
                pdf,
                identity.key,
                identity.cert,
                identity.chain,
                signer_name=label.name,
                organisation=organisation,
                signing_time=now,
                reason=label.sentence,
                encryption=PasswordEncryption(password) if password else None,
            )
        elif password:
            pdf = protect_with_password(pdf, password, fillable=False)
        self._vault.record_event(
            "family_copy_made", record.id, {"locked": bool(password), "signed": label is not None}
        )
        return FamilyCopy(pdf, label.sentence if label is not None else "")

    # --- pictures --------------------------------------------------------------------------------

    def prepare_picture(self, data: bytes, caption: str = "") -> Picture:
        """A picture ready to go into a record (decoded, checked, cleaned), from bytes in memory."""
        return prepare_picture(data, caption, added_on=self._today())

    def picture_from_file(self, path: Path, caption: str = "") -> Picture:
        """Read a picture file a person chose (a regular file, at most the size limit) and
        prepare it. The file is only read; no copy of it is written anywhere."""
        return self.prepare_picture(read_picture_file(path), caption)

    def attach_picture(self, record_id: str, picture: Picture) -> Record:
        self._require_edit("add pictures")
        record = self._vault.load(record_id)
        record.pictures = with_picture(record.pictures, picture)
        return self._vault.save(record)

    def remove_picture(self, record_id: str, picture_id: str) -> Record:
        self._require_edit("remove pictures")
        record = self._vault.load(record_id)
        record.pictures = without_picture(record.pictures, picture_id)
        return self._vault.save(record)

    def caption_picture(self, record_id: str, picture_id: str, caption: str) -> Record:
        self._require_edit("change captions")
        record = self._vault.load(record_id)
        record.pictures = with_caption(record.pictures, picture_id, caption)
        return self._vault.save(record)


def read_picture_file(path: Path) -> bytes:
    """A picture file's bytes: refused plainly when it is missing, not a regular file (a folder,
    a pipe), or larger than the limit (checked before reading)."""
    try:
        return _read_limited(Path(path), MAX_FILE_BYTES, "picture")
    except _TooLarge as exc:
        raise PictureRefused(
            f"{path.name} is too large ({exc.size // (1024 * 1024)} MB); "
            f"choose a picture under {MAX_FILE_BYTES // (1024 * 1024)} MB."
        ) from None
    except _NotReadable as exc:
        raise PictureRefused(str(exc)) from None


class _NotReadable(TransitionsError):
    pass


class _TooLarge(_NotReadable):
    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


def _read_limited(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a file a person chose: a regular file (not a folder or a pipe, which would
    block) of at most ``limit`` bytes, checked before reading."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _NotReadable(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise _NotReadable(f"{path.name} is not a {what} file.")
    if info.st_size > limit:
        raise _TooLarge(f"{path.name} is too large to be a {what}.", info.st_size)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise _NotReadable(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    if len(data) > limit:
        raise _TooLarge(f"{path.name} is too large to be a {what}.", len(data))
    return data


def _setting_contact(record: Record) -> str:
    setting = str(record.get("child.setting_name") or "the setting")
    for path in ("transition.setting_contact", "child.key_person"):
        person = record.get(path)
        if isinstance(person, Person) and person.name.strip():
            where = f"{person.name} at {setting}"
            return f"{where} ({person.contact})" if person.contact.strip() else where
    return setting


def _consent_text(record: Record, charter: Any) -> str:
    first = str(
        record.get("child.preferred_name") or record.get("child.legal_forenames") or "your child"
    )
    first = first.split(" ")[0]
    setting = str(record.get("child.setting_name") or "the setting")
    school = str(record.get("child.school_name") or "the new school")
    lines = [
        f"What is shared: {first}'s record, which you can read in the family's copy we give you: "
        f"{first}'s words, your words, how {first} is getting on, health and care needs and any "
        "extra help.",
        f"Who gets it: only {school}, as a signed file that shows if anyone changes it.",
        f"Why: so {school} knows {first} before the first day and can give the right help "
        "from the start.",
    ]
    separate = tuple(
        getattr(getattr(charter, "consent", None), "separate_consent_sections", ()) or ()
    )
    if separate:
        lines.append(
            "Some parts are only shared if you tick them below: health and care, and special "
            "educational needs."
        )
    lines.append(
        f"You can change your mind at any time: tell {setting} and the record will not be sent again."
    )
    return "\n".join(lines)
