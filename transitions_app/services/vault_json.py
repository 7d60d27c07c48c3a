"""Small helpers shared by the school and feedback services: JSON kept in a vault's encrypted
blobs, the clock, reading certificates a person hands over, and writing a file a person chose."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from models.errors import SignatureInvalid, VaultError
from models.safe_output import write_public_file
from transitions_app.services.vault_service import VaultService


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def json_blob(vault: VaultService, name: str, default: Any) -> Any:
    """The JSON value kept in blob ``name`` (``default`` when there is none)."""
    data = vault.get_blob(name)
    if data is None:
        return default
    try:
        return json.loads(data)
    except ValueError:
        raise VaultError(f"The vault's {name} data is damaged.") from None


def put_json(vault: VaultService, name: str, value: Any) -> None:
    vault.put_blob(name, json.dumps(value, ensure_ascii=False, sort_keys=True).encode())


def load_certificates(data: bytes) -> tuple[x509.Certificate, ...]:
    """Certificates from PEM (one or more) or DER bytes."""
    try:
        if b"-----BEGIN" in data:
            return tuple(x509.load_pem_x509_certificates(data))
        return (x509.load_der_x509_certificate(data),)
    except ValueError:
        raise SignatureInvalid("The trust file is not a readable certificate.") from None


def save_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (never a half-written file under its name).

    :raises VaultError: the file cannot be written (one plain sentence).
    """
    try:
        write_public_file(Path(path), data)
    except OSError as exc:
        raise VaultError(f"Cannot write {Path(path).name}: {exc.strerror or exc}.") from None
