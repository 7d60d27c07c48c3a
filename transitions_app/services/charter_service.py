"""The charter service: import, keep and read the setting's charter and trust material.

What it keeps in the vault (each blob encrypted by the vault):

* ``charter`` (:data:`CHARTER_BLOB`): a JSON bundle of the signed charter file exactly as the LA
  issued it, the LA root certificate it was verified against and the newest CRL. One blob, so the
  charter and the root it was checked with always change together.
* ``setting/identity`` (:data:`IDENTITY_BLOB`): the setting's signing PKCS#12 (LA-issued, or
  self-signed) and its passphrase. The key stays inside the PKCS#12 and the vault; it is never
  written anywhere unencrypted.

Every stored charter is re-verified against the stored root whenever it is read, so a vault edited
behind the app's back, or a charter that has since expired, is refused rather than trusted.
Only a role with IMPORT_CHARTER (manager, childminder, headteacher) changes any of it.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from export import pki
from models.charter import Charter, SignatureLevel
from models.errors import (
    CharterInvalid,
    CharterViolation,
    PermissionDenied,
    SignatureInvalid,
    VaultError,
)
from models.roles import Permission, Role, can

CHARTER_BLOB = "charter"
IDENTITY_BLOB = "setting/identity"
BUNDLE_FORMAT = "transitions-charter-bundle"

Clock = Callable[[], datetime]


class _User(Protocol):
    @property
    def role(self) -> Role: ...


class BlobVault(Protocol):
    """What the service needs from :class:`~transitions_app.services.vault_service.VaultService`."""

    @property
    def user(self) -> _User: ...

    def put_blob(self, name: str, data: bytes) -> None: ...

    def get_blob(self, name: str) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class TrustMaterial:
    """What export and verification need: the verified charter, the LA root and the CRL."""

    charter: Charter
    signed_bytes: bytes
    root: x509.Certificate
    crl: x509.CertificateRevocationList | None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


class CharterService:
    def __init__(self, vault: BlobVault, *, clock: Clock | None = None) -> None:
        self._vault = vault
        self._clock = clock or _utc_now

    def _today(self) -> date:
        return self._clock().astimezone(UTC).date()

    def _require_manager(self) -> None:
        if not can(self._vault.user.role, Permission.IMPORT_CHARTER):
            raise PermissionDenied(
                "Only a manager can import a charter or the setting's certificate."
            )

    # --- reading --------------------------------------------------------------------------------

    def _bundle(self) -> dict[str, Any] | None:
        raw = self._vault.get_blob(CHARTER_BLOB)
        if raw is None:
            return None
        try:
            bundle = json.loads(raw)
        except ValueError:
            bundle = None
        if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
            raise VaultError("The stored charter is damaged; import the charter again.")
        return bundle

    def trust(self) -> TrustMaterial | None:
        """The stored charter re-verified today, with its root and CRL (None before any import).

        Raises :class:`CharterInvalid` when the stored charter no longer verifies (for example it
        has expired): the setting must import the LA's current charter."""
        bundle = self._bundle()
        if bundle is None:
            return None
        signed = base64.b64decode(bundle["signed"])
        root = pki.load_certificate(bundle["root"].encode("ascii"))
        crl = pki.load_crl(bundle["crl"].encode("ascii")) if bundle.get("crl") else None
        verified = pki.verify_charter(signed, root, today=self._today())
        return TrustMaterial(verified.charter, signed, root, crl)

    def charter(self) -> Charter | None:
        trust = self.trust()
        return trust.charter if trust else None

    def require_charter(self) -> Charter:
        charter = self.charter()
        if charter is None:
            raise CharterInvalid(
                "No charter has been imported; a manager imports the LA's charter first."
            )
        return charter

    def la_root(self) -> x509.Certificate | None:
        bundle = self._bundle()
        return pki.load_certificate(bundle["root"].encode("ascii")) if bundle else None

    def crl(self) -> x509.CertificateRevocationList | None:
        bundle = self._bundle()
        return pki.load_crl(bundle["crl"].encode("ascii")) if bundle and bundle.get("crl") else None

    def setting_identity(self) -> pki.SigningIdentity | None:
        """The setting's signing key, certificate and chain, or None when none is stored."""
        raw = self._vault.get_blob(IDENTITY_BLOB)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            p12 = base64.b64decode(data["p12"])
            passphrase = str(data["passphrase"])
        except (ValueError, KeyError, TypeError):
            raise VaultError(
                "The stored setting certificate is damaged; import it again."
            ) from None
        return pki.load_setting_p12(p12, passphrase)

    def identity_is_la_issued(self, identity: pki.SigningIdentity) -> bool:
        """Whether the identity's certificate was issued by the stored LA root and is not revoked."""
        root = self.la_root()
        if root is None:
            return False
        try:
            pki.check_issued_by(identity.cert, root, now=self._clock(), crl=self.crl())
        except SignatureInvalid:
            return False
        return identity.cert != root

    def signing_identity_for_export(self) -> pki.SigningIdentity:
        """The identity to sign exports with, checked against the charter's signature level:
        when the charter asks for ``la_issued`` a self-signed (or revoked, expired, foreign)
        certificate is refused with :class:`CharterViolation`."""
        charter = self.require_charter()
        identity = self.setting_identity()
        if identity is None:
            raise CharterInvalid(
                "The setting has no signing certificate; a manager imports the LA's certificate "
                "(or creates a self-signed one) first."
            )
        if (
            charter.export.signature_level is SignatureLevel.LA_ISSUED
            and not self.identity_is_la_issued(identity)
        ):
            raise CharterViolation(
                "The charter asks for records signed with a certificate the local authority issued; "
                "a manager imports the setting's certificate from the LA."
            )
        return identity

    # --- importing ------------------------------------------------------------------------------

    def import_charter(
        self,
        signed: bytes,
        *,
        root_pem: bytes | None = None,
        crl: bytes | None = None,
        replace_root: bool = False,
    ) -> pki.SignedCharter:
        """Verify a signed charter against the LA root and store it (manager only).

        The first import needs ``root_pem``. Later imports verify against the stored root; giving a
        different root is refused unless ``replace_root`` (moving to another LA's charter)."""
        self._require_manager()
        stored_root = self.la_root()
        if root_pem is not None:
            root = pki.load_certificate(root_pem)
            if stored_root is not None and root != stored_root and not replace_root:
                raise CharterInvalid(
                    "That LA root certificate differs from the one this setting trusts; "
                    "use --replace-root only if you are moving to another local authority."
                )
        elif stored_root is not None:
            root = stored_root
        else:
            raise CharterInvalid(
                "The first charter import needs the LA root certificate (--root ROOT.pem)."
            )
        crl_obj = pki.load_crl(crl) if crl is not None else None
        if crl_obj is None and root == stored_root:
            crl_obj = self.crl()
        if crl_obj is not None:
            pki.check_crl(crl_obj, root, now=self._clock())
        verified = pki.verify_charter(signed, root, today=self._today())
        self._write_bundle(signed, root, crl_obj)
        return verified

    def import_crl(self, crl: bytes) -> x509.CertificateRevocationList:
        """Replace the stored CRL with a newer one signed by the stored root (manager only)."""
        self._require_manager()
        bundle = self._bundle()
        if bundle is None:
            raise CharterInvalid("Import the charter before its revocation list.")
        root = pki.load_certificate(bundle["root"].encode("ascii"))
        crl_obj = pki.load_crl(crl)
        pki.check_crl(crl_obj, root, now=self._clock())
        old = self.crl()
        if old is not None and _crl_number(crl_obj) < _crl_number(old):
            raise CharterInvalid("That revocation list is older than the one already imported.")
        self._write_bundle(base64.b64decode(bundle["signed"]), root, crl_obj)
        return crl_obj

    def import_setting_p12(self, p12: bytes, passphrase: str) -> pki.SigningIdentity:
        """Store the setting's LA-issued signing certificate (manager only). It must chain to the
        stored LA root, be within its validity and not be revoked."""
        self._require_manager()
        identity = pki.load_setting_p12(p12, passphrase)
        root = self.la_root()
        if root is None:
            raise CharterInvalid(
                "Import the LA's charter and root before the setting's certificate."
            )
        pki.check_issued_by(identity.cert, root, now=self._clock(), crl=self.crl())
        self._store_identity(identity)
        return identity

    def use_self_signed(self, setting: str, urn: str = "") -> pki.SigningIdentity:
        """Make and store a self-signed signing certificate for a setting with no LA certificate."""
        self._require_manager()
        identity = pki.create_self_signed_setting(setting, urn, now=self._clock())
        self._store_identity(identity)
        return identity

    def _store_identity(self, identity: pki.SigningIdentity) -> None:
        # A fresh random passphrase: the vault's encryption protects it; the PKCS#12 keeps the key
        # encrypted even inside the vault.
        passphrase = secrets.token_urlsafe(32)
        p12 = pki.identity_to_p12(identity, passphrase)
        blob = {"p12": base64.b64encode(p12).decode("ascii"), "passphrase": passphrase}
        self._vault.put_blob(IDENTITY_BLOB, json.dumps(blob).encode("utf-8"))

    def _write_bundle(
        self, signed: bytes, root: x509.Certificate, crl: x509.CertificateRevocationList | None
    ) -> None:
        bundle = {
            "format": BUNDLE_FORMAT,
            "signed": base64.b64encode(signed).decode("ascii"),
            "root": _pem(root),
            "crl": pki.crl_to_pem(crl).decode("ascii") if crl is not None else None,
        }
        self._vault.put_blob(CHARTER_BLOB, json.dumps(bundle).encode("utf-8"))

    # --- showing --------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Everything ``charter show --json`` prints."""
        trust = self.trust()
        if trust is None:
            return {"charter": None}
        identity = self.setting_identity()
        out: dict[str, Any] = {
            "charter": trust.charter.summary(),
            "in_force": trust.charter.in_force_on(self._today()),
            "la_root": {
                "subject": trust.root.subject.rfc4514_string(),
                "fingerprint": pki.fingerprint_sha256(trust.root),
            },
            "crl": None,
            "setting_certificate": None,
        }
        if trust.crl is not None:
            out["crl"] = {
                "revoked": [pki.format_serial(r.serial_number) for r in trust.crl],
                "next_update": _iso(trust.crl.next_update_utc),
            }
        if identity is not None:
            out["setting_certificate"] = {
                "subject": identity.cert.subject.rfc4514_string(),
                "serial": pki.format_serial(identity.cert.serial_number),
                "not_after": identity.cert.not_valid_after_utc.isoformat(),
                "fingerprint": identity.fingerprint,
                "la_issued": self.identity_is_la_issued(identity),
            }
        return out


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    try:
        return int(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
    except x509.ExtensionNotFound:
        return 0


# --- the demo ------------------------------------------------------------------------------------

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "charters"
DEMO_CHARTER = "northshire"
DEMO_SETTING_PASSPHRASE = "demo-setting-passphrase"  # demo only; see charters/README.md


def install_example_charter(vault: BlobVault, *, clock: Clock | None = None) -> bool:
    """Install the first example charter (fictional Northshire), its root, CRL and the demo
    setting certificate into a demo vault. Returns False when the example files are not shipped
    (an installed wheel) or no longer verify (expired)."""
    folder = EXAMPLES_DIR / DEMO_CHARTER
    try:
        signed = (folder / "charter.signed.toml").read_bytes()
        root = (folder / "la-ca" / pki.ROOT_CERT_FILE).read_bytes()
        crl = (folder / "crl.pem").read_bytes()
        p12 = (folder / "little-acorns-nursery.p12").read_bytes()
    except OSError:
        return False
    service = CharterService(vault, clock=clock)
    try:
        service.import_charter(signed, root_pem=root, crl=crl, replace_root=True)
        service.import_setting_p12(p12, DEMO_SETTING_PASSPHRASE)
    except (CharterInvalid, SignatureInvalid):
        return False
    return True
