"""British English spell checking: which words of a text to check, the check, suggestions, and
the setting's own word list.

The dictionary is the LibreOffice/Mozilla en_GB Hunspell dictionary, shipped unchanged in
``models/spelling_data`` (``LICENCE.txt`` there), read by spylls, a pure-Python port of Hunspell
(no C library to install on Windows). Loading it takes about half a second, so nothing here loads
it on import: :data:`SHARED` loads it once, on first use, and the window asks for that off the UI
thread. spylls is imported by the load alone (``tests/unit/test_cold_imports.py``).

What is not checked, so that a note about a child is not a sea of red: numbers and words joined
to digits ("3rd", "A4"), web and e-mail addresses, words in capitals (SENCO, EHCP), words with a
capital inside (McKenzie, iPad), capitalised words not at the start of a sentence (names), words
in a script other than Latin (a home language), single letters, and words longer than
:data:`MAX_WORD`. A text is checked for at most :data:`MAX_WORDS` words. In a one-line field
(``prose=False``: a name, a role, a language) no capitalised word is checked, even the first.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from models.errors import ValidationFailed

__all__ = [
    "DICTIONARY_DIR",
    "MAX_SETTING_WORDS",
    "MAX_WORD",
    "MAX_WORDS",
    "NO_WORDS",
    "SHARED",
    "LazyChecker",
    "SettingWords",
    "Span",
    "SpellChecker",
    "load_dictionary",
    "word_spans",
]

DICTIONARY_DIR = Path(__file__).resolve().parent / "spelling_data"
DICTIONARY_STEM = "en_GB"
MAX_WORD = 40  # longer runs of letters are not words a person means to be checked
MAX_SUGGESTED_WORD = 30  # suggesting for longer words takes seconds and finds nothing useful
MAX_WORDS = 5000  # per text (one paragraph of a note): a pasted book is checked only this far
MAX_SETTING_WORDS = 5000
SUGGESTIONS_KEPT = 500  # words whose corrections are remembered

_LETTER = r"[^\W\d_]"
_MARK = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_PART = rf"{_LETTER}(?:{_LETTER}|{_MARK})*"
_WORD = re.compile(rf"{_PART}(?:['’]{_PART})*")
_WHOLE_WORD = re.compile(rf"{_PART}(?:['’]{_PART})*\Z")
_CHUNK = re.compile(r"\S+")
_SENTENCE_END = ".!?:\n"
_OPENING = "\"'“‘([-–—•*"


@dataclass(frozen=True, slots=True)
class Span:
    """A word in a text: ``text[start:end] == word``."""

    start: int
    end: int
    word: str


def _latin(word: str) -> bool:
    return all(
        ch < "\u0250" or "\u1e00" <= ch < "\u1f00" or ch in "'’" or unicodedata.combining(ch)
        for ch in word
    )


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and (text[i] in " \t" or text[i] in _OPENING):
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _checkable(word: str, capital_checked: bool) -> bool:
    if len(word) < 2 or len(word) > MAX_WORD or not _latin(word):
        return False
    letters = [ch for ch in word if ch.isalpha()]
    if sum(ch.isupper() for ch in letters) > 1:
        return False  # SENCO, McKenzie, iPad
    if not letters[0].isupper() and any(ch.isupper() for ch in letters):
        return False
    return not letters[0].isupper() or capital_checked  # a capital mid-sentence: a name


def _addresses(text: str) -> list[tuple[int, int]]:
    """Where the web and e-mail addresses are: runs of non-space holding "@", "://" or "www."
    (found in one pass: a pattern for addresses backtracks badly on long runs of letters)."""
    lowered = text.lower()
    if "@" not in text and "://" not in text and "www." not in lowered:
        return []
    return [
        m.span()
        for m in _CHUNK.finditer(lowered)
        if "@" in m.group() or "://" in m.group() or "www." in m.group()
    ]


def word_spans(text: str, *, prose: bool = True, limit: int = MAX_WORDS) -> list[Span]:
    """The words of ``text`` a spell check looks at, in order (at most ``limit``). In ``prose``
    a capitalised word is checked at the start of a sentence or line."""
    skip = _addresses(text)
    out: list[Span] = []
    for m in _WORD.finditer(text):
        start, end = m.span()
        if len(out) >= limit:
            break
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if before.isdigit() or after.isdigit() or before == "_" or after == "_":
            continue
        if skip and any(a <= start < b for a, b in skip):
            continue
        word = m.group()
        if _checkable(word, prose and _sentence_start(text, start)):
            out.append(Span(start, end, word))
    return out


def _fold(word: str) -> str:
    return unicodedata.normalize("NFC", word).replace("’", "'").casefold()


@dataclass(frozen=True, slots=True)
class SettingWords:
    """Words the setting has told the spell check are right (names of places, local words)."""

    words: tuple[str, ...] = ()
    _folded: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", frozenset(_fold(w) for w in self.words))

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and _fold(word) in self._folded

    def __len__(self) -> int:
        return len(self.words)

    def with_word(self, word: str) -> SettingWords:
        """The list with ``word`` added (unchanged when it is there already).

        :raises ValidationFailed: not one word, too long, or the list is full.
        """
        word = unicodedata.normalize("NFC", word.strip())
        if not _WHOLE_WORD.match(word):
            raise ValidationFailed(
                "Only a single word (letters and apostrophes) can be added to the dictionary."
            )
        if len(word) > MAX_WORD:
            raise ValidationFailed(f"A word for the dictionary can be at most {MAX_WORD} letters.")
        if word in self:
            return self
        if len(self.words) >= MAX_SETTING_WORDS:
            raise ValidationFailed(f"The setting's dictionary is full ({MAX_SETTING_WORDS} words).")
        return SettingWords(tuple(sorted((*self.words, word), key=_fold)))

    def to_bytes(self) -> bytes:
        return json.dumps({"version": 1, "words": list(self.words)}, ensure_ascii=False).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> SettingWords:
        try:
            data = json.loads(raw)
            words = SettingWords()
            for word in data["words"][:MAX_SETTING_WORDS]:
                words = words.with_word(str(word))
            return words
        except (ValueError, KeyError, TypeError, AttributeError, ValidationFailed):
            raise ValidationFailed("The setting's dictionary is damaged.") from None


NO_WORDS = SettingWords()


class Lookup(Protocol):
    """What spylls' ``Dictionary`` offers (and a test's stand-in)."""

    def lookup(self, word: str) -> bool: ...

    def suggest(self, word: str) -> Iterable[str]: ...


class SpellChecker:
    """A loaded dictionary. Answers are cached per word, so checking a note again as it is typed
    costs a dictionary lookup only for the words that are new."""

    def __init__(self, dictionary: Lookup, name: str, version: str) -> None:
        self._dictionary = dictionary
        self.name = name
        self.version = version
        self._known = functools.lru_cache(maxsize=50_000)(self._lookup)
        self._suggested: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._suggested_lock = threading.Lock()

    def _lookup(self, word: str) -> bool:
        return bool(self._dictionary.lookup(word))

    def _suggest(self, word: str) -> tuple[str, ...]:
        if len(word) > MAX_SUGGESTED_WORD:
            return ()
        out: list[str] = []
        for s in self._dictionary.suggest(word):
            if s not in out and s != word:
                out.append(s)
        return tuple(out)

    def is_correct(self, word: str, setting: SettingWords = NO_WORDS) -> bool:
        word = unicodedata.normalize("NFC", word)
        return word in setting or self._known(word)

    def misspelt(
        self, text: str, setting: SettingWords = NO_WORDS, *, prose: bool = True
    ) -> list[Span]:
        """The words of ``text`` neither the dictionary nor the setting knows."""
        return [s for s in word_spans(text, prose=prose) if not self.is_correct(s.word, setting)]

    def suggest(self, word: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` corrections for ``word``, the likeliest first. Slow the first time for
        a word (up to about a second): the window asks for them off the UI thread."""
        word = unicodedata.normalize("NFC", word)
        found = self.cached_suggestions(word, limit)
        if found is not None:
            return found
        made = self._suggest(word)
        with self._suggested_lock:
            self._suggested[word] = made
            while len(self._suggested) > SUGGESTIONS_KEPT:
                self._suggested.popitem(last=False)
        return list(made[:limit])

    def cached_suggestions(self, word: str, limit: int = 5) -> list[str] | None:
        """The corrections for ``word`` if they were worked out already, without waiting."""
        word = unicodedata.normalize("NFC", word)
        with self._suggested_lock:
            made = self._suggested.get(word)
            if made is not None:
                self._suggested.move_to_end(word)
        return None if made is None else list(made[:limit])


def dictionary_version(aff_text: str) -> str:
    """The version the affix file's header gives (``# V 3.1.4, 2022-11-01``), or "unknown"."""
    m = re.search(r"^#\s*V\s*([\w.]+),\s*([\d-]+)", aff_text[:4000], re.MULTILINE)
    return f"{m.group(1)} ({m.group(2)})" if m else "unknown"


def load_dictionary(directory: Path = DICTIONARY_DIR, stem: str = DICTIONARY_STEM) -> SpellChecker:
    """Read the Hunspell dictionary ``directory/stem.{aff,dic}`` (slow: about half a second).

    :raises ValidationFailed: the files are missing or cannot be read as a dictionary.
    """
    aff, dic = directory / f"{stem}.aff", directory / f"{stem}.dic"
    if not aff.is_file() or not dic.is_file():
        raise ValidationFailed(f"The spelling dictionary {stem} is missing from {directory}.")
    from spylls.hunspell import Dictionary  # slow to import: only when the dictionary is needed

    try:
        dictionary = Dictionary.from_files(str(directory / stem))
    except Exception as exc:  # spylls raises plain exceptions of many kinds for a damaged file
        raise ValidationFailed(
            f"The spelling dictionary {stem} cannot be read ({type(exc).__name__})."
        ) from None
    version = dictionary_version(aff.read_text(encoding="utf-8", errors="replace"))
    return SpellChecker(dictionary, f"English (GB) Hunspell dictionary {stem}", version)


class LazyChecker:
    """A checker loaded on first :meth:`get`, once, whichever thread asks first."""

    def __init__(self, load: Callable[[], SpellChecker]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._checker: SpellChecker | None = None

    def get(self) -> SpellChecker:
        with self._lock:
            if self._checker is None:
                self._checker = self._load()
            return self._checker

    def loaded(self) -> SpellChecker | None:
        """The checker if it is loaded, without waiting."""
        return self._checker


SHARED = LazyChecker(load_dictionary)
