"""The spell check the window's text fields use: the shipped en_GB dictionary (loaded once per
process, on first use) and the setting's own words, kept encrypted in the vault.

Anyone who edits records may add a word: the vault's write rule for the blob
(``setting/dictionary``) lets every setting role that edits records write it, and this service
says so before trying (:meth:`SpellingService.can_add`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from models.errors import PermissionDenied, ValidationFailed, VaultError
from models.roles import SETTING_ROLES, Permission, can
from models.spelling import NO_WORDS, SHARED, LazyChecker, SettingWords, Span, SpellChecker

if TYPE_CHECKING:
    from transitions_app.services.vault_service import UserInfo

__all__ = ["DICTIONARY_BLOB", "SpellingService"]

DICTIONARY_BLOB = "setting/dictionary"


class _Vault(Protocol):
    @property
    def user(self) -> UserInfo: ...

    def get_blob(self, name: str) -> bytes | None: ...

    def put_blob(self, name: str, data: bytes) -> None: ...


class SpellingService:
    def __init__(self, vault: _Vault, checker: LazyChecker = SHARED) -> None:
        self._vault = vault
        self._checker = checker
        self._words: SettingWords | None = None

    # --- the dictionary ------------------------------------------------------------------------

    def ready(self) -> bool:
        """Is the dictionary loaded? Until it is, nothing is marked misspelt."""
        return self._checker.loaded() is not None

    def load(self) -> str:
        """Load the dictionary (slow the first time in a process: call it off the UI thread);
        returns its name and version. It does not touch the vault, whose session belongs to the
        thread that opened it: the setting's words are read when first checked against."""
        checker = self._checker.get()
        return f"{checker.name} {checker.version}"

    def _loaded(self) -> SpellChecker | None:
        return self._checker.loaded()

    def misspelt(self, text: str, *, prose: bool = True) -> list[Span]:
        """The misspelt words of ``text`` (none until the dictionary is loaded); ``prose``: a
        note, not a one-line field (see ``models.spelling.word_spans``)."""
        checker = self._loaded()
        if checker is None:
            return []
        return checker.misspelt(text, self._checking_words(), prose=prose)

    def is_correct(self, word: str) -> bool:
        checker = self._loaded()
        return checker is None or checker.is_correct(word, self._checking_words())

    def suggest(self, word: str) -> list[str]:
        """Corrections for ``word``: slow the first time for a word (call it off the UI
        thread); none until the dictionary is loaded."""
        checker = self._loaded()
        return [] if checker is None else checker.suggest(word)

    def cached_suggestions(self, word: str) -> list[str] | None:
        """The corrections for ``word`` if they were worked out already (None: not yet)."""
        checker = self._loaded()
        return [] if checker is None else checker.cached_suggestions(word)

    # --- the setting's words -------------------------------------------------------------------

    def setting_words(self) -> SettingWords:
        """The words the setting added.

        :raises ValidationFailed: the stored list is damaged.
        """
        if self._words is None:
            raw = self._vault.get_blob(DICTIONARY_BLOB)
            self._words = SettingWords() if raw is None else SettingWords.from_bytes(raw)
        return self._words

    def _checking_words(self) -> SettingWords:
        """The setting's words for checking: none when the stored list is damaged (adding a word
        then says so, rather than replacing the list), or when the vault cannot be read now (the
        session was closed or locked while a field was still being checked; read again later)."""
        try:
            return self.setting_words()
        except ValidationFailed:
            return NO_WORDS
        except VaultError:
            return NO_WORDS

    def can_add(self) -> bool:
        role = self._vault.user.role
        return role in SETTING_ROLES and can(role, Permission.EDIT_RECORDS)

    def add(self, word: str) -> SettingWords:
        """Add ``word`` to the setting's dictionary (read again first: another person at another
        computer may have added words since).

        :raises PermissionDenied: the role does not edit records.
        :raises ValidationFailed: not a single word, or the list is full.
        """
        if not self.can_add():
            raise PermissionDenied("Your role cannot add words to the setting's dictionary.")
        self._words = None
        words = self.setting_words().with_word(word)
        self._vault.put_blob(DICTIONARY_BLOB, words.to_bytes())
        self._words = words
        return words
