"""The phrase bank service: the setting's reusable sentences, kept encrypted in the vault.

Anyone who edits records may save a sentence they wrote; only a manager (or a childminder) may
change, remove or put back the bank's phrases. The vault's write rule for the blob
(``setting/phrases``) lets every setting role that edits records write it, so this service is
where the curation rule lives; a change by anyone else is refused here.

Until someone saves to it the setting has no bank of its own and :meth:`PhraseService.bank` offers
the starter examples (each flagged as an example to edit); the first save or change stores them
with it, so they stay until a manager removes them.
"""

from __future__ import annotations

from typing import Protocol

from models.errors import PermissionDenied
from models.phrases import Phrase, PhraseBank, starter_bank
from models.roles import SETTING_ROLES, Permission, can
from transitions_app.services.vault_service import UserInfo

__all__ = ["PHRASES_BLOB", "PhraseService"]

PHRASES_BLOB = "setting/phrases"
_ONLY_MANAGER = "Only a manager can change or remove the phrase bank's phrases."


class _Vault(Protocol):
    @property
    def user(self) -> UserInfo: ...

    def get_blob(self, name: str) -> bytes | None: ...

    def put_blob(self, name: str, data: bytes) -> None: ...


class PhraseService:
    def __init__(self, vault: _Vault) -> None:
        self._vault = vault

    def bank(self) -> PhraseBank:
        """The setting's bank; the starter examples until anyone has saved to it.

        :raises ValidationFailed: the stored bank is damaged (a manager can :meth:`start_again`).
        """
        raw = self._vault.get_blob(PHRASES_BLOB)
        return starter_bank() if raw is None else PhraseBank.from_bytes(raw)

    def has_own_bank(self) -> bool:
        """Whether the setting has stored a bank (False: only the starter examples are offered)."""
        return self._vault.get_blob(PHRASES_BLOB) is not None

    def phrases(self, path: str, words: str = "") -> list[Phrase]:
        """The phrases for the field at ``path`` that contain every word of ``words``."""
        return self.bank().search(path, words)

    def can_curate(self) -> bool:
        role = self._vault.user.role
        return role in SETTING_ROLES and can(role, Permission.IMPORT_CHARTER)

    def can_save(self) -> bool:
        role = self._vault.user.role
        return role in SETTING_ROLES and can(role, Permission.EDIT_RECORDS)

    def save(self, path: str, text: str) -> PhraseBank:
        """Add ``text`` (a sentence the person wrote) to the bank for the field at ``path``."""
        if not self.can_save():
            raise PermissionDenied("Your role cannot save phrases.")
        return self._store(self.bank().with_phrase(path, Phrase(text, self._vault.user.name)))

    def replace(self, path: str, old: str, text: str) -> PhraseBank:
        """Change the phrase ``old`` to ``text`` (manager or childminder). The changed phrase is
        the setting's own: it is no longer marked as an example."""
        self._require_curate()
        return self._store(
            self.bank().with_replaced(path, old, Phrase(text, self._vault.user.name))
        )

    def remove(self, path: str, text: str) -> PhraseBank:
        """Take a phrase out of the bank (manager or childminder)."""
        self._require_curate()
        return self._store(self.bank().without_phrase(path, text))

    def add_examples(self) -> PhraseBank:
        """Put back the starter examples the bank does not hold (manager or childminder)."""
        self._require_curate()
        return self._store(self.bank().with_examples())

    def start_again(self) -> PhraseBank:
        """Replace the whole bank (a damaged one too) with the starter examples (manager or
        childminder)."""
        self._require_curate()
        return self._store(starter_bank())

    def _require_curate(self) -> None:
        if not self.can_curate():
            raise PermissionDenied(_ONLY_MANAGER)

    def _store(self, bank: PhraseBank) -> PhraseBank:
        self._vault.put_blob(PHRASES_BLOB, bank.to_bytes())
        return bank
