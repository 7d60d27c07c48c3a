"""The local authority's trust tooling: root CA, setting certificates, revocation and signed charters.

Everything cryptographic is done by ``cryptography``: ECDSA P-256 with SHA-256 for every key and
signature, the LA root key sealed with AES-256-GCM under an Argon2id key from the LA's passphrase
(the vault's own KDF and AEAD, :mod:`models.vault.crypto`), PKCS#12 for the bundle a setting
imports, an X.509 CRL for revocation. Private keys are never written unencrypted.

The parts, each importable on its own (this package re-exports their public names):

* :mod:`export.pki.certificates`: signing identities, fingerprints and serials, the setting
  certificate profile, self-signed setting certificates;
* :mod:`export.pki.ca`: the CA folder (root key sealing, root certificate, issue index);
* :mod:`export.pki.pkcs12`: PKCS#12 bundles and encrypted PKCS#8 keys;
* :mod:`export.pki.crl`: revocation lists and the chain check;
* :mod:`export.pki.charter_signature`: signed charter files.

Files are written with :func:`models.safe_output.write_atomically` (``write_private_file`` and
``write_public_file`` are re-exported here for the callers that write the LA's files).

The clock is always passed in (``now`` or ``today``); nothing here reads the system time.
"""

from __future__ import annotations

from export.pki.ca import (
    INDEX_FILE,
    LEGACY_ROOT_KEY_FILE,
    ROOT_CERT_FILE,
    ROOT_KEY_FILE,
    ROOT_KEY_FORMAT,
    ROOT_KEY_KDF,
    ROOT_VALID_DAYS,
    CertificateAuthority,
    init_ca,
    list_issued,
    load_ca,
    load_root_cert,
    upgrade_root_key,
)
from export.pki.certificates import (
    SETTING_VALID_DAYS,
    IssuedCertificate,
    SigningIdentity,
    create_self_signed_setting,
    fingerprint_sha256,
    format_serial,
    load_certificate,
    parse_serial,
)
from export.pki.charter_signature import (
    SIGNATURE_ALGORITHM,
    SIGNATURE_BEGIN,
    SIGNATURE_END,
    SignedCharter,
    sign_charter,
    split_signed_charter,
    verify_charter,
)
from export.pki.crl import (
    CRL_VALID_DAYS,
    check_crl,
    check_issued_by,
    crl_to_pem,
    is_revoked,
    load_crl,
)
from export.pki.pkcs12 import (
    P12_KDF_ROUNDS,
    identity_key_pem,
    identity_to_p12,
    key_to_p12,
    load_p12,
    load_setting_p12,
)
from models.safe_output import write_private_file, write_public_file

__all__ = [
    "CRL_VALID_DAYS",
    "CertificateAuthority",
    "INDEX_FILE",
    "IssuedCertificate",
    "LEGACY_ROOT_KEY_FILE",
    "P12_KDF_ROUNDS",
    "ROOT_CERT_FILE",
    "ROOT_KEY_FILE",
    "ROOT_KEY_FORMAT",
    "ROOT_KEY_KDF",
    "ROOT_VALID_DAYS",
    "SETTING_VALID_DAYS",
    "SIGNATURE_ALGORITHM",
    "SIGNATURE_BEGIN",
    "SIGNATURE_END",
    "SignedCharter",
    "SigningIdentity",
    "check_crl",
    "check_issued_by",
    "create_self_signed_setting",
    "crl_to_pem",
    "fingerprint_sha256",
    "format_serial",
    "identity_key_pem",
    "identity_to_p12",
    "init_ca",
    "is_revoked",
    "key_to_p12",
    "list_issued",
    "load_ca",
    "load_certificate",
    "load_crl",
    "load_p12",
    "load_root_cert",
    "load_setting_p12",
    "parse_serial",
    "sign_charter",
    "split_signed_charter",
    "upgrade_root_key",
    "verify_charter",
    "write_private_file",
    "write_public_file",
]
