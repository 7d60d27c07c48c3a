"""The phrase bank service: the setting's reusable sentences, kept encrypted in the vault.

Anyone who edits records may save a sentence they wrote; only a manager (or a childminder) may
remove one or change the starter examples' place in the bank. The vault's write rule for the
blob (``setting/phrases``) lets every setting role that edits records write it, so this service
is where the curation rule lives; a removal by anyone else is refused here.
"""

from __future__ import annotations

from typing import Protocol

from models.errors import PermissionDenied
from models.phrases import Phrase, PhraseBank, starter_bank
from models.roles import Permission, can
from transitions_app.services.vault_service import UserInfo

__all__ = ["PHRASES_BLOB", "PhraseService"]

PHRASES_BLOB = "setting/phrases"


class _Vault(Protocol):
    @property
    def user(self) -> UserInfo: ...

    def get_blob(self, name: str) -> bytes | None: ...

    def put_blob(self, name: str, data: bytes) -> None: ...


class PhraseService:
    def __init__(self, vault: _Vault) -> None:
        self._vault = vault

    def bank(self) -> PhraseBank:
        """The setting's bank; the starter examples until anyone has saved to it."""
        raw = self._vault.get_blob(PHRASES_BLOB)
        return starter_bank() if raw is None else PhraseBank.from_bytes(raw)

    def phrases(self, path: str, words: str = "") -> list[Phrase]:
        """The phrases for the field at ``path`` that contain every word of ``words``."""
        return self.bank().search(path, words)

    def can_curate(self) -> bool:
        return can(self._vault.user.role, Permission.IMPORT_CHARTER)

    def can_save(self) -> bool:
        return can(self._vault.user.role, Permission.EDIT_RECORDS)

    def save(self, path: str, text: str) -> PhraseBank:
        """Add ``text`` (a sentence the person wrote) to the bank for the field at ``path``."""
        if not self.can_save():
            raise PermissionDenied("Your role cannot save phrases.")
        bank = self.bank().with_phrase(path, Phrase(text, self._vault.user.name))
        self._vault.put_blob(PHRASES_BLOB, bank.to_bytes())
        return bank

    def remove(self, path: str, text: str) -> PhraseBank:
        """Take a phrase out of the bank (manager or childminder)."""
        if not self.can_curate():
            raise PermissionDenied("Only a manager can remove phrases from the bank.")
        bank = self.bank().without_phrase(path, text)
        self._vault.put_blob(PHRASES_BLOB, bank.to_bytes())
        return bank
