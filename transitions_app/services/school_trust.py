"""Who the school is and whom it trusts: its URN and name, its signing identity, the LA root(s)
and revocation lists that received records must chain to, and the decryption keys that open
files encrypted to the school's certificate. Changing any of it is the headteacher's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cryptography.hazmat.primitives import serialization

from export.encrypt import Recipient, load_recipient_p12
from export.pki import SigningIdentity, load_crl, load_setting_p12
from models.errors import PermissionDenied, SignatureInvalid, VaultError
from models.roles import Permission, can
from transitions_app.services.charter_service import CharterService
from transitions_app.services.school_store import (
    DecryptionKey,
    SchoolInfo,
    SchoolStore,
    Trust,
    crl_signed_by,
)
from transitions_app.services.vault_json import load_certificates
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]


class SchoolTrust:
    """The school's set-up, trust anchors and keys, over its :class:`SchoolStore`."""

    def __init__(self, vault: VaultService, store: SchoolStore, clock: Clock) -> None:
        self._vault = vault
        self._store = store
        self._clock = clock

    def initialise(self, info: SchoolInfo, identity: SigningIdentity) -> None:
        """A new school vault's name, URN and signing identity (see ``SchoolService.create``)."""
        self._store.put_info(info)
        self._store.put_identity(identity)
        self._vault.record_event("school_init", None, {"urn": info.urn})

    def info(self) -> SchoolInfo:
        info = self._store.info()
        if info is None:
            raise VaultError("This vault is not set up for a school; run “school init” first.")
        return info

    def identity(self) -> SigningIdentity:
        identity = self._store.identity()
        if identity is None:
            raise VaultError("This school has no signing key; run “school init” first.")
        return identity

    def set_identity_p12(self, p12: bytes, passphrase: str) -> None:
        """Use an LA-issued certificate (PKCS#12) for receipts and outcome files."""
        self.require_head()
        self._store.put_identity(load_setting_p12(p12, passphrase))

    def set_trust(self, root: bytes | None = None, crl: bytes | None = None) -> None:
        """Store the LA root certificate (PEM/DER) and/or its CRL; checked before storing."""
        self.require_head()
        if root is not None:
            certs = load_certificates(root)
            self._store.put_trust_root(
                b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
            )
        if crl is not None:
            parsed = load_crl(crl)
            if not any(crl_signed_by(parsed, r) for r in self.trust().roots):
                raise SignatureInvalid(
                    "The revocation list was not signed by the LA root you trust."
                )
            self._store.put_crl(parsed.public_bytes(serialization.Encoding.PEM))

    def trust(self) -> Trust:
        """The LA root(s) and CRLs records must chain to: those stored with :meth:`set_trust`
        plus the root and CRL of the charter imported into this vault (``CharterService``)."""
        root, crl = self._store.trust_pem()
        roots = list(load_certificates(root)) if root else []
        crls = [load_crl(crl)] if crl else []
        charter = CharterService(self._vault, clock=self._clock)
        la_root, la_crl = charter.la_root(), charter.crl()
        if la_root is not None and la_root not in roots:
            roots.append(la_root)
        if la_crl is not None:
            crls.append(la_crl)
        return Trust(roots=tuple(roots), crls=tuple(crls))

    def require_head(self) -> None:
        if not can(self._vault.user.role, Permission.IMPORT_CHARTER):
            raise PermissionDenied("Only the headteacher can change the school's set-up.")

    def add_decryption_key(self, p12: bytes, passphrase: str) -> DecryptionKey:
        """Keep the school's decryption key (PKCS#12, as the LA issued it for the certificate in
        the charter's school directory) so files encrypted to that certificate can be imported."""
        self.require_head()
        recipient = load_recipient_p12(p12, passphrase)
        self._store.add_recipient(recipient)
        described = DecryptionKey.of(recipient.cert)
        self._vault.record_event(
            "school_decryption_key", None, {"fingerprint": described.fingerprint_sha256}
        )
        return described

    def decryption_keys(self) -> list[DecryptionKey]:
        return [DecryptionKey.of(r.cert) for r in self.recipients()]

    def recipients(self) -> list[Recipient]:
        return self._store.recipients()
