"""The setting's phrase bank: reusable sentences kept per kind of field, written by the setting.

A phrase is only ever inserted when a person picks it; nothing here fills a field by itself.
Phrases are filed under a *field key*: the field's own name, with the learning areas' "next steps"
and "what helps" fields sharing one key each, so a sentence saved in one area is offered in all.
The starter set is a handful of plain-language examples, marked as examples for the setting to edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from models.errors import ValidationFailed

__all__ = ["MAX_PHRASE", "Phrase", "PhraseBank", "field_key", "starter_bank"]

MAX_PHRASE = 1000
_SHARED_SUFFIXES = ("next_steps", "what_helps")


def field_key(path: str) -> str:
    """The bank key of the field at ``path`` (``"learning.cl_next_steps"`` -> ``"next_steps"``)."""
    name = path.rsplit(".", 1)[-1]
    for suffix in _SHARED_SUFFIXES:
        if name == suffix or name.endswith("_" + suffix):
            return suffix
    return name


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    author: str = ""  # login of whoever saved it; "" for the starter set
    example: bool = False  # from the starter set: an example for the setting to edit


@dataclass(frozen=True, slots=True)
class PhraseBank:
    phrases: tuple[tuple[str, tuple[Phrase, ...]], ...] = ()

    def for_field(self, path: str) -> tuple[Phrase, ...]:
        key = field_key(path)
        return next((items for k, items in self.phrases if k == key), ())

    def search(self, path: str, words: str) -> list[Phrase]:
        """The field's phrases containing every word of ``words`` (any case), in bank order."""
        wanted = words.casefold().split()
        return [p for p in self.for_field(path) if all(w in p.text.casefold() for w in wanted)]

    def with_phrase(self, path: str, phrase: Phrase) -> PhraseBank:
        text = " ".join(phrase.text.split())
        if not text:
            raise ValidationFailed("A phrase needs some words.")
        if len(text) > MAX_PHRASE:
            raise ValidationFailed(f"A phrase can be at most {MAX_PHRASE} characters.")
        key = field_key(path)
        current = self.for_field(path)
        if any(p.text == text for p in current):
            return self
        added = (*current, Phrase(text, phrase.author, phrase.example))
        rest = tuple((k, v) for k, v in self.phrases if k != key)
        return PhraseBank(tuple(sorted((*rest, (key, added)))))

    def without_phrase(self, path: str, text: str) -> PhraseBank:
        key = field_key(path)
        kept = tuple(p for p in self.for_field(path) if p.text != text)
        rest = tuple((k, v) for k, v in self.phrases if k != key)
        return PhraseBank(tuple(sorted((*rest, (key, kept)) if kept else rest)))

    def to_bytes(self) -> bytes:
        data = {
            key: [{"text": p.text, "author": p.author, "example": p.example} for p in items]
            for key, items in self.phrases
        }
        return json.dumps({"version": 1, "phrases": data}, ensure_ascii=False, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> PhraseBank:
        try:
            data = json.loads(raw)
            bank = cls()
            for key, items in sorted(data["phrases"].items()):
                for item in items:
                    bank = bank.with_phrase(
                        str(key),
                        Phrase(str(item["text"]), str(item.get("author", "")), bool(item.get("example"))),
                    )
            return bank
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValidationFailed("The setting's phrase bank is damaged.") from None


_STARTER: dict[str, tuple[str, ...]] = {
    "strategies": (
        "Example to edit: Giving a five-minute warning before tidy-up time helps them get ready to stop.",
        "Example to edit: A picture timetable of the day helps them know what comes next.",
        "Example to edit: Getting down to their level and saying their name first helps them listen.",
    ),
    "next_steps": (
        "Example to edit: Keep offering chances to take turns in a small group game.",
        "Example to edit: Encourage them to ask an adult for help using words.",
        "Example to edit: Practise putting on their coat and shoes on their own.",
    ),
    "what_helps": (
        "Example to edit: Praise for trying, not only for getting it right, keeps them going.",
        "Example to edit: A familiar adult nearby helps them settle into a new activity.",
        "Example to edit: Showing as well as telling helps them understand what to do.",
    ),
}


def starter_bank() -> PhraseBank:
    """The examples a setting starts with, before anyone has curated the bank."""
    bank = PhraseBank()
    for key, texts in _STARTER.items():
        for text in texts:
            bank = bank.with_phrase(key, Phrase(text, "", example=True))
    return bank
