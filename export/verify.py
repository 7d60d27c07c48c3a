"""Strict verification of a received record PDF.

A file is valid only if all of these hold:

* it opens (and, if encrypted, decrypts with the password or key given);
* it carries at least one signature, and every signature is intact, cryptographically valid and
  made with a certificate that was within its validity at the signing time the signature states;
* one signature covers the entire file: nothing was appended after signing (no incremental
  update, no trailing bytes) and any earlier signature saw only form filling or signing after it;
* every signer chains to a trust root given by the caller (the LA root imported with the charter),
  unless ``accept_self_signed`` and the signer is merely unknown (then ``vouched`` is ``False``);
* no signer certificate appears in a CRL given by the caller (signed by its issuer), whatever
  the revocation date: a B-B signature has no trusted timestamp, so a signing time before the
  revocation cannot be proven. When no CRL of the signer's issuer was given, or every one given is
  past its next-update time, the file can still be valid but ``revocation`` says which (the
  signer may have been revoked since): it was not fully checked;
* the embedded record JSON exists, parses as JSON and passes ``json_check`` if one is given.

Any failure, including any exception, gives ``Verdict.INVALID`` (``valid`` is ``False``) with a
plain-sentence ``reason``; an intact signature from a signer not vouched for (and not accepted as
self-signed) gives ``Verdict.UNVOUCHED``. Nothing raises. Code branches on ``verdict``; ``reason``
is for people. pyHanko and pyhanko-certvalidator do all signature and path validation.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    async_validate_pdf_signature,
)
from pyhanko_certvalidator import ValidationContext

from export.attach import RECORD_JSON_NAME, extract_json_from_reader
from export.encrypt import KeyAndCert, open_reader
from models.errors import InputRefused, SignatureInvalid, TransitionsError
from models.safe_input import load_json
from models.verdict import Verdict

__all__ = ["NOT_VOUCHED", "Verdict", "VerifyResult", "verify_pdf"]

NOT_VOUCHED = "Signature intact; signer not vouched for by your LA"
_FUTURE_SKEW = timedelta(minutes=10)
_MAX_REASON = 300
# A reader's message that carries Python's own words (a repr, an exception's name) is not shown.
_PYTHON_WORDS = re.compile(
    r"\b[A-Z]\w*(?:Error|Exception)\b|\bb'|\bb\"|<\w[\w.]* object at|\bNone\b"
)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of checking one file: ``verdict`` for code, ``reason`` in words a practitioner
    can act on."""

    file: str
    verdict: Verdict
    reason: str
    signer: str | None = None
    organisation: str | None = None
    fingerprint_sha256: str | None = None
    signed_at: str | None = None
    vouched: bool = False
    record_json: bytes | None = field(default=None, repr=False)
    #: Empty when the signer was checked against a current CRL of its issuer (or has no LA);
    #: otherwise one sentence naming the missing or out-of-date revocation list.
    revocation: str = ""

    @property
    def valid(self) -> bool:
        return self.verdict.valid

    @property
    def fully_checked(self) -> bool:
        """Valid, and checked against a current revocation list of the signer's LA."""
        return self.valid and not self.revocation

    @property
    def record_id(self) -> str | None:
        record = self._record().get("record")
        value = record.get("id") if isinstance(record, dict) else None
        return None if value is None else str(value)

    @property
    def record_version(self) -> int | str | None:
        data = self._record()
        record = data.get("record")
        value = record.get("export_version") if isinstance(record, dict) else None
        if value is None:
            value = data.get("export_version")
        return value if isinstance(value, int | str) and not isinstance(value, bool) else None

    def _record(self) -> dict[str, Any]:
        if self.record_json is None:
            return {}
        try:
            data = load_json(self.record_json)
        except InputRefused:
            return {}
        return data if isinstance(data, dict) else {}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (the record itself is left out)."""
        return {
            "file": self.file,
            "valid": self.valid,
            "reason": self.reason,
            "signer": self.signer,
            "organisation": self.organisation,
            "fingerprint_sha256": self.fingerprint_sha256,
            "signed_at": self.signed_at,
            "vouched": self.vouched,
            "fully_checked": self.fully_checked,
            "revocation": self.revocation or None,
            "record_id": self.record_id,
            "record_version": self.record_version,
        }


@dataclass(slots=True)
class _Signer:
    signer: str | None = None
    organisation: str | None = None
    fingerprint_sha256: str | None = None
    signed_at: str | None = None
    revocation: str = ""


def _damaged_reason(exc: Exception) -> str:
    """One plain sentence for a file a parser gave up on: the PDF reader's own words when it
    names what is wrong with the file ("EOF marker not found"), never a Python error's name or
    text ("ValueError: not enough values to unpack"), which says nothing about the file."""
    said = str(exc).strip().rstrip(".") if isinstance(exc, PdfError) else ""
    if said and said.isprintable() and not _PYTHON_WORDS.search(said):
        return f"The file is damaged or is not a signed record PDF (the PDF reader says: {said[:_MAX_REASON]})."
    return "The file is damaged or is not a signed record PDF."


def verify_pdf(
    pdf_bytes: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList] = (),
    accept_self_signed: bool = False,
    password: str | None = None,
    recipient: KeyAndCert | None = None,
    file_name: str = "",
    json_check: Callable[[bytes], None] | None = None,
    json_name: str = RECORD_JSON_NAME,
    now: datetime | None = None,
) -> VerifyResult:
    """Check ``pdf_bytes`` strictly (see the module docstring). Never raises.

    ``now`` (timezone-aware) rejects signatures that claim a signing time in the future; when
    omitted that check is skipped.
    """
    info = _Signer()
    try:
        reader = open_reader(pdf_bytes, password=password, recipient=recipient)
        vouched = asyncio.run(_check_signatures(reader, trust_roots, crls, now, info))
        record_json = _check_json(reader, json_name, json_check)
    except TransitionsError as exc:
        return _result(file_name, Verdict.INVALID, str(exc), info)
    except Exception as exc:  # any failure in a third-party parser means "not valid"
        return _result(file_name, Verdict.INVALID, _damaged_reason(exc), info)
    if not vouched and not accept_self_signed:
        return _result(file_name, Verdict.UNVOUCHED, NOT_VOUCHED, info, record_json=record_json)
    reason = (
        "Signature valid; signed with a certificate issued by your LA."
        if vouched
        else "Signature valid; signer not vouched for by your LA (accepted as self-signed)."
    )
    if vouched and info.revocation:
        reason = f"{reason} {info.revocation}"
    return _result(file_name, Verdict.VALID, reason, info, vouched=vouched, record_json=record_json)


def _result(
    file_name: str,
    verdict: Verdict,
    reason: str,
    info: _Signer,
    *,
    vouched: bool = False,
    record_json: bytes | None = None,
) -> VerifyResult:
    return VerifyResult(
        file=file_name,
        verdict=verdict,
        reason=reason,
        signer=info.signer,
        organisation=info.organisation,
        fingerprint_sha256=info.fingerprint_sha256,
        signed_at=info.signed_at,
        vouched=vouched,
        record_json=record_json,
        revocation=info.revocation if verdict.valid and vouched else "",
    )


async def _check_signatures(
    reader: PdfFileReader,
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    now: datetime | None,
    info: _Signer,
) -> bool:
    """Validate every signature; return whether all signers are vouched for by a trust root."""
    signatures: list[EmbeddedPdfSignature] = list(reader.embedded_signatures)
    if not signatures:
        raise SignatureInvalid("The file is not signed.")
    roots = [_asn1(c) for c in trust_roots]
    crl_der = [c.public_bytes(serialization.Encoding.DER) for c in crls]
    whole_file = False
    vouched = True
    for sig in signatures:
        if sig.sig_object_type != "/Sig":
            raise SignatureInvalid(
                "The file carries a timestamp or signature of an unexpected type."
            )
        _describe(sig, info)
        claimed = sig.self_reported_timestamp
        if claimed is None:
            raise SignatureInvalid("The signature does not state when it was made.")
        claimed = claimed.astimezone(UTC)
        if now is not None and claimed > now + _FUTURE_SKEW:
            raise SignatureInvalid("The signature claims a signing time in the future.")
        context = ValidationContext(
            trust_roots=roots,
            crls=crl_der,
            moment=claimed,
            allow_fetching=False,
            revocation_mode="soft-fail",
            retroactive_revinfo=True,
        )
        status = await async_validate_pdf_signature(sig, context)
        _check_integrity(status)
        if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
            whole_file = True
        elif not _only_later_signatures(status):
            raise SignatureInvalid("The document was changed after one of its signatures was made.")
        signer_cert = _x509(status.signing_cert)
        _check_not_revoked(signer_cert, status, trust_roots, crls)
        if status.trusted and not info.revocation:
            info.revocation = _revocation_gap(signer_cert, status, trust_roots, crls, now)
        if not status.trusted:
            _check_unvouched_reason(status, signer_cert, claimed)
            vouched = False
    if not whole_file:
        raise SignatureInvalid(
            "The file was changed or extended after it was signed (the signature does not cover "
            "the whole file)."
        )
    return vouched


def _check_integrity(status: PdfSignatureStatus) -> None:
    if not status.intact:
        raise SignatureInvalid(
            "The document has been changed since it was signed (its content no longer matches "
            "the signature)."
        )
    if not status.valid:
        raise SignatureInvalid(
            "The signature is not valid for the document and signer certificate."
        )
    if status.docmdp_ok is False:
        raise SignatureInvalid("The document was changed in a way its signer did not allow.")


def _only_later_signatures(status: PdfSignatureStatus) -> bool:
    level = status.modification_level
    return (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and level is not None
        and level <= ModificationLevel.FORM_FILLING
        and status.docmdp_ok is not False
    )


def _check_unvouched_reason(
    status: PdfSignatureStatus, cert: x509.Certificate, claimed: datetime
) -> None:
    """Tell 'unknown or self-signed signer' (may be accepted) apart from a chain that failed."""
    problem = status.trust_problem_indic
    if status.revoked:
        raise SignatureInvalid("The signer's certificate has been revoked.")
    # Path validation may stop before it looks at dates (unknown issuer), or report a date
    # problem as a general failure, so the signer's own dates are checked here for every case.
    if claimed < cert.not_valid_before_utc or problem in (
        AdESFailure.NOT_YET_VALID,
        AdESIndeterminate.NOT_YET_VALID,
    ):
        raise SignatureInvalid(
            "The signer's certificate was not yet valid when the file was signed."
        )
    if claimed > cert.not_valid_after_utc or problem in (
        AdESIndeterminate.EXPIRED,
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
    ):
        raise SignatureInvalid("The signer's certificate had expired when the file was signed.")
    if problem == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return
    if problem == AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE and _self_signed(cert):
        return
    name = str(getattr(problem, "name", "unknown problem")).replace("_", " ").lower()
    raise SignatureInvalid(f"The signer's certificate could not be validated ({name}).")


def _check_not_revoked(
    cert: x509.Certificate,
    status: PdfSignatureStatus,
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
) -> None:
    """Any listing in a CRL signed by the signer's issuer counts, whatever its date."""
    if status.revoked:
        raise SignatureInvalid("The signer's certificate has been revoked.")
    issuers = _issuers(cert, status, trust_roots)
    for crl in crls:
        if crl.issuer != cert.issuer:
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is None:
            continue
        for issuer in issuers:
            if crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                day = entry.revocation_date_utc.date().isoformat()
                raise SignatureInvalid(f"The signer's certificate was revoked by your LA on {day}.")


def _issuers(
    cert: x509.Certificate, status: PdfSignatureStatus, trust_roots: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    issuers = [c for c in trust_roots if c.subject == cert.issuer]
    if status.validation_path is not None:
        issuers += [
            _x509(c)
            for c in status.validation_path.iter_certs(include_root=True)
            if _x509(c).subject == cert.issuer
        ]
    return issuers


def _revocation_gap(
    cert: x509.Certificate,
    status: PdfSignatureStatus,
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    now: datetime | None,
) -> str:
    """Why the signer's revocation could not be fully checked ("" when it was): no CRL signed by
    its issuer was given, or every such CRL is past its next-update time at ``now``."""
    issuers = _issuers(cert, status, trust_roots)
    own = [
        crl
        for crl in crls
        if crl.issuer == cert.issuer
        and any(crl.is_signature_valid(i.public_key()) for i in issuers)  # type: ignore[arg-type]
    ]
    if not own:
        return (
            "Revocation not checked: no revocation list (CRL) from the signer's LA was at hand, "
            "so a revoked certificate would not show."
        )
    if now is None:
        return ""
    due = [crl.next_update_utc for crl in own]
    if all(when is not None and when < now for when in due):
        latest = max(when for when in due if when is not None)
        return (
            "Revocation not fully checked: the LA's revocation list (CRL) is out of date (its next "
            f"update was due on {latest.date().isoformat()}), so a certificate revoked since would "
            "not show; get the LA's current list."
        )
    return ""


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _describe(sig: EmbeddedPdfSignature, info: _Signer) -> None:
    cert = _x509(sig.signer_cert)
    info.signer = _attribute(cert, NameOID.COMMON_NAME)
    info.organisation = _attribute(cert, NameOID.ORGANIZATION_NAME)
    info.fingerprint_sha256 = cert.fingerprint(hashes.SHA256()).hex(":").upper()
    claimed = sig.self_reported_timestamp
    info.signed_at = claimed.astimezone(UTC).isoformat() if claimed is not None else None


def _check_json(
    reader: PdfFileReader, name: str, json_check: Callable[[bytes], None] | None
) -> bytes:
    data = extract_json_from_reader(reader, name)
    try:
        load_json(data, what="The record file inside the PDF")
    except InputRefused:
        raise SignatureInvalid("The record file inside the PDF is not valid JSON.") from None
    if json_check is not None:
        try:
            json_check(data)
        except TransitionsError:
            raise
        except Exception as exc:  # a checker bug must still read as "not valid", not crash
            raise SignatureInvalid(
                f"The record inside the PDF could not be checked: {exc}"
            ) from None
    return data


def _attribute(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _x509(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())
