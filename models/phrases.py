"""The setting's phrase bank: reusable sentences kept per kind of field, written by the setting.

A phrase is only ever inserted when a person picks it; nothing here fills a field by itself.
Phrases are filed under a *field key*: the field's own name, with the learning areas' "next steps"
and "what helps" fields sharing one key each, so a sentence saved in one area is offered in all.
The starter set is a handful of plain-language examples, flagged ``example`` for the setting to
edit. The flag, not the words, marks them: an example put into a record reads as a sentence, not
as "Example to edit: ..." in the PDF the school receives.

Phrases are free text from people and from the vault: :func:`clean_phrase` drops the characters
that cannot be stored or that reorder or hide text (control and bidi-override characters, lone
surrogates), and :meth:`PhraseBank.from_bytes` refuses a stored bank that is damaged, nested too
deeply or too large with one sentence, never a traceback.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from models.errors import TransitionsError, ValidationFailed
from models.framework.definition import FieldDef, Framework, Kind
from models.safe_input import load_json

__all__ = [
    "BANK_FORMAT",
    "MAX_BANK_BYTES",
    "MAX_PER_FIELD",
    "MAX_PHRASE",
    "Phrase",
    "PhraseBank",
    "PhraseField",
    "clean_phrase",
    "field_key",
    "names_in",
    "phrase_fields",
    "sentence_at",
    "starter_bank",
]

BANK_FORMAT = 1
MAX_PHRASE = 1000  # characters in one phrase
MAX_PER_FIELD = 200  # phrases under one field key: a list a person can still look through
MAX_BANK_BYTES = 2 * 1024 * 1024  # a stored bank larger than this is not read
_SHARED_SUFFIXES = ("next_steps", "what_helps")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
_KEEP_FORMAT = frozenset({"\u200c", "\u200d"})  # zero-width (non-)joiners: part of some scripts
DAMAGED = (
    "The setting's phrase bank is damaged and cannot be read. A manager can start it again "
    "from Setting > Phrase bank."
)


def field_key(path: str) -> str:
    """The bank key of the field at ``path`` (``"learning.cl_next_steps"`` -> ``"next_steps"``)."""
    name = path.rsplit(".", 1)[-1]
    for suffix in _SHARED_SUFFIXES:
        if name == suffix or name.endswith("_" + suffix):
            return suffix
    return name


def clean_phrase(text: str) -> str:
    """``text`` as the bank keeps it: one line, single spaces, composed (NFC), without control,
    bidi-override, other invisible format characters or lone surrogates."""
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" ")
        elif category in ("Cc", "Cs") or (category == "Cf" and ch not in _KEEP_FORMAT):
            continue
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


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

    def field_keys(self) -> tuple[str, ...]:
        return tuple(k for k, _items in self.phrases)

    def search(self, path: str, words: str) -> list[Phrase]:
        """The field's phrases containing every word of ``words`` (any case), in bank order."""
        wanted = words.casefold().split()
        return [p for p in self.for_field(path) if all(w in p.text.casefold() for w in wanted)]

    def _with_items(self, key: str, items: tuple[Phrase, ...]) -> PhraseBank:
        rest = tuple((k, v) for k, v in self.phrases if k != key)
        return PhraseBank(tuple(sorted((*rest, (key, items)) if items else rest)))

    def with_phrase(self, path: str, phrase: Phrase) -> PhraseBank:
        """The bank with ``phrase`` added at the end of its field's list (a phrase already there is
        not added twice). Raises ValidationFailed for an empty or too long phrase, or a full list."""
        text = _checked(phrase.text)
        current = self.for_field(path)
        if any(p.text == text for p in current):
            return self
        if len(current) >= MAX_PER_FIELD:
            raise ValidationFailed(
                f"This field already has {MAX_PER_FIELD} phrases; remove some before adding more."
            )
        added = (*current, Phrase(text, phrase.author, phrase.example))
        return self._with_items(field_key(path), added)

    def with_replaced(self, path: str, old: str, phrase: Phrase) -> PhraseBank:
        """The bank with the phrase ``old`` changed to ``phrase`` in the same place in the list
        (if the new words are already there, the old phrase just goes)."""
        text = _checked(phrase.text)
        current = self.for_field(path)
        if not any(p.text == old for p in current):
            raise ValidationFailed("That phrase is no longer in the bank.")
        new = Phrase(text, phrase.author, phrase.example)
        items: list[Phrase] = []
        for p in current:
            p = new if p.text == old else p
            if all(q.text != p.text for q in items):
                items.append(p)
        return self._with_items(field_key(path), tuple(items))

    def without_phrase(self, path: str, text: str) -> PhraseBank:
        kept = tuple(p for p in self.for_field(path) if p.text != text)
        return self._with_items(field_key(path), kept)

    def with_examples(self) -> PhraseBank:
        """The bank with every starter example it does not hold yet added back."""
        bank = self
        for key, items in starter_bank().phrases:
            for p in items:
                if len(bank.for_field(key)) < MAX_PER_FIELD:
                    bank = bank.with_phrase(key, p)
        return bank

    def to_bytes(self) -> bytes:
        data = {
            key: [{"text": p.text, "author": p.author, "example": p.example} for p in items]
            for key, items in self.phrases
        }
        return json_bytes({"version": BANK_FORMAT, "phrases": data})

    @classmethod
    def from_bytes(cls, raw: bytes) -> PhraseBank:
        """Read a stored bank. Raises ValidationFailed (one sentence) when it is damaged, too
        large, nested too deeply, of another format, or holds anything but phrases."""
        if len(raw) > MAX_BANK_BYTES:
            raise ValidationFailed(DAMAGED)
        try:
            data = load_json(raw, what="The setting's phrase bank")
            if not isinstance(data, dict) or data.get("version") != BANK_FORMAT:
                raise ValidationFailed(DAMAGED)
            stored = data["phrases"]
            if not isinstance(stored, dict):
                raise ValidationFailed(DAMAGED)
            out: list[tuple[str, tuple[Phrase, ...]]] = []
            for key, items in sorted(stored.items()):
                if not _KEY.match(key) or not isinstance(items, list) or len(items) > MAX_PER_FIELD:
                    raise ValidationFailed(DAMAGED)
                phrases: list[Phrase] = []
                for item in items:
                    phrase = _stored_phrase(item)
                    if all(p.text != phrase.text for p in phrases):
                        phrases.append(phrase)
                if phrases:
                    out.append((key, tuple(phrases)))
            return cls(tuple(out))
        except (TransitionsError, KeyError, TypeError, ValueError):
            raise ValidationFailed(DAMAGED) from None


def json_bytes(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _checked(raw: str) -> str:
    text = clean_phrase(raw)
    if not text:
        raise ValidationFailed("A phrase needs some words.")
    if len(text) > MAX_PHRASE:
        raise ValidationFailed(f"A phrase can be at most {MAX_PHRASE} characters.")
    return text


def _stored_phrase(item: object) -> Phrase:
    if not isinstance(item, dict):
        raise ValidationFailed(DAMAGED)
    text, author, example = item.get("text"), item.get("author", ""), item.get("example", False)
    if not isinstance(text, str) or not isinstance(author, str) or not isinstance(example, bool):
        raise ValidationFailed(DAMAGED)
    if len(author) > 200:
        raise ValidationFailed(DAMAGED)
    return Phrase(_checked(text), clean_phrase(author), example)


# ------------------------------------------------------------------------ the fields and sentences


@dataclass(frozen=True, slots=True)
class PhraseField:
    """One kind of field the bank keeps phrases for: its key, its label and where it appears
    ("Learning and development: Communication and language", ...)."""

    key: str
    label: str
    places: tuple[str, ...]


def takes_phrases(fd: FieldDef) -> bool:
    """Phrases are sentences: they go into the free-text (note) fields only."""
    return fd.kind is Kind.NOTE


def phrase_fields(framework: Framework) -> tuple[PhraseField, ...]:
    """Every field key the framework's free-text fields (and the free-text parts of repeating
    groups) file phrases under, in form order."""
    found: dict[str, tuple[str, list[str]]] = {}

    def add(fd: FieldDef, place: str) -> None:
        if takes_phrases(fd):
            label, places = found.setdefault(field_key(fd.path or fd.key), (fd.label, []))
            if place not in places:
                places.append(place)

    for section in framework.sections:
        for fd in section.fields:
            place = f"{section.title}: {fd.group}" if fd.group else section.title
            add(fd, place)
            for sub in fd.item_fields:
                add(sub, f"{section.title}: {fd.label}")
    return tuple(PhraseField(k, label, tuple(places)) for k, (label, places) in found.items())


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentence_at(text: str, position: int) -> str:
    """The sentence of ``text`` the cursor at ``position`` is in (or has just finished), without
    its surrounding spaces; "" when there is none."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        if text[start:end].strip():
            spans.append((start, end))
        start = match.end() if match else end
    before = [s for s in spans if s[0] <= position]
    if not before:
        return ""
    first, last = before[-1]
    return text[first:last].strip()


def names_in(text: str, names: Iterable[str]) -> list[str]:
    """Those of ``names`` (a child's names) that appear as words in ``text``, any case: a phrase
    saved with a name in it would be offered for every child."""
    folded = text.casefold()
    out = []
    for name in names:
        for part in name.split():
            word = rf"(?<!\w){re.escape(part.casefold())}(?!\w)"
            if len(part) > 1 and part not in out and re.search(word, folded):
                out.append(part)
    return out


_STARTER: dict[str, tuple[str, ...]] = {
    "strategies": (
        "Giving a five-minute warning before tidy-up time helps them get ready to stop.",
        "A picture timetable of the day helps them know what comes next.",
        "Getting down to their level and saying their name first helps them listen.",
    ),
    "next_steps": (
        "Keep offering chances to take turns in a small group game.",
        "Encourage them to ask an adult for help using words.",
        "Practise putting on their coat and shoes on their own.",
    ),
    "what_helps": (
        "Praise for trying, not only for getting it right, keeps them going.",
        "A familiar adult nearby helps them settle into a new activity.",
        "Showing as well as telling helps them understand what to do.",
    ),
}


def starter_bank() -> PhraseBank:
    """The examples a setting starts with, before anyone has curated the bank."""
    bank = PhraseBank()
    for key, texts in _STARTER.items():
        for text in texts:
            bank = bank.with_phrase(key, Phrase(text, "", example=True))
    return bank
