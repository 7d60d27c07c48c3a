"""Which natural language a piece of a record's text is in, as far as the record says.

A tagged PDF names its language once (``/Lang en-GB``) and marks text in another language with a
``/Lang`` of its own, so a screen reader switches voice instead of spelling a Ukrainian or Bengali
name out letter by letter in English. The record does not say which language each value is in, but
it says which languages the child's family speaks at home (``child.home_languages``), and a
value's writing system (its Unicode script, as fontTools reads it from the Unicode data) narrows it
down:

* a value written wholly in one non-Latin script is in the recorded home language written in that
  script ("Олена" with home languages "Ukrainian, English" is ``uk``);
* when no recorded language, or more than one, is written in that script, the value is marked with
  the script alone (``und-Cyrl``: "a language written in Cyrillic"), which is still truer than the
  document's English;
* Latin-script text, and text that mixes Latin with another script (a label and a name in one
  line), stays in the document's language: the record cannot say that "Zofia" is Polish.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fontTools import unicodedata

from models.flags import HOME_LANGUAGES_PATH, language_names
from models.record import Record

INTERPRETER_LANGUAGE_PATH = "child.interpreter_language"

# Scripts that belong to no language: digits, punctuation, spaces, combining marks, unassigned.
_NEUTRAL = frozenset({"Zyyy", "Zinh", "Zzzz"})


@dataclass(frozen=True, slots=True)
class Language:
    """A language as a BCP 47 tag and the scripts (ISO 15924) it is written in."""

    tag: str
    scripts: frozenset[str]


def _lang(tag: str, *scripts: str) -> Language:
    return Language(tag, frozenset(scripts))


# Home languages spoken in England whose usual writing is not Latin, by the names people record
# (lower case). Latin-script languages (Polish, Romanian, Somali, Portuguese...) are not listed:
# their text cannot be told from English by its letters (see the module's docstring).
LANGUAGES: dict[str, Language] = {
    "amharic": _lang("am", "Ethi"),
    "arabic": _lang("ar", "Arab"),
    "armenian": _lang("hy", "Armn"),
    "bengali": _lang("bn", "Beng"),
    "bangla": _lang("bn", "Beng"),
    "sylheti": _lang("syl", "Beng"),
    "bulgarian": _lang("bg", "Cyrl"),
    "cantonese": _lang("yue", "Hani"),
    "chinese": _lang("zh", "Hani"),
    "mandarin": _lang("zh", "Hani"),
    "dari": _lang("prs", "Arab"),
    "farsi": _lang("fa", "Arab"),
    "persian": _lang("fa", "Arab"),
    "georgian": _lang("ka", "Geor"),
    "greek": _lang("el", "Grek"),
    "gujarati": _lang("gu", "Gujr"),
    "hebrew": _lang("he", "Hebr"),
    "hindi": _lang("hi", "Deva"),
    "japanese": _lang("ja", "Hira", "Kana", "Hani"),
    "korean": _lang("ko", "Hang", "Hani"),
    "kurdish": _lang("ku", "Arab"),
    "sorani": _lang("ckb", "Arab"),
    "malayalam": _lang("ml", "Mlym"),
    "nepali": _lang("ne", "Deva"),
    "panjabi": _lang("pa", "Guru"),
    "punjabi": _lang("pa", "Guru"),
    "pashto": _lang("ps", "Arab"),
    "russian": _lang("ru", "Cyrl"),
    "sinhala": _lang("si", "Sinh"),
    "tamil": _lang("ta", "Taml"),
    "telugu": _lang("te", "Telu"),
    "thai": _lang("th", "Thai"),
    "tigrinya": _lang("ti", "Ethi"),
    "ukrainian": _lang("uk", "Cyrl"),
    "urdu": _lang("ur", "Arab"),
    "yiddish": _lang("yi", "Hebr"),
}


def scripts_of(text: str) -> frozenset[str]:
    """The scripts (ISO 15924 codes) of the letters in ``text``, leaving out digits, punctuation,
    spaces and combining marks."""
    return frozenset(unicodedata.script(c) for c in text) - _NEUTRAL


def recorded_languages(home_languages: object) -> tuple[Language, ...]:
    """The languages a record's home-language text names that this module knows."""
    if not isinstance(home_languages, str):
        return ()
    known = (LANGUAGES.get(name) for name in language_names(home_languages))
    return tuple(dict.fromkeys(lang for lang in known if lang is not None))


def language_of(text: str, recorded: Iterable[Language] = ()) -> str:
    """The BCP 47 tag to mark ``text`` with, or "" when it is in the document's language (Latin
    script, mixed with Latin, or no letters at all)."""
    scripts = scripts_of(text)
    if not scripts or "Latn" in scripts:
        return ""
    tags = {lang.tag for lang in recorded if scripts <= lang.scripts}
    if len(tags) == 1:
        return tags.pop()
    if len(scripts) == 1:
        return "und-" + next(iter(scripts))
    return "und"


def record_languages(record: Record) -> tuple[Language, ...]:
    """The languages ``record`` says the child's family speaks (home languages, then the
    interpreter's language), each once, as far as this module knows them."""
    out: dict[Language, None] = {}
    for path in (HOME_LANGUAGES_PATH, INTERPRETER_LANGUAGE_PATH):
        out.update(dict.fromkeys(recorded_languages(record.get(path))))
    return tuple(out)
