"""The British English spell check (models/spelling.py) with the shipped dictionary, the setting's
own words, and the service that keeps them in the vault."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from models.errors import PermissionDenied, ValidationFailed, VaultError
from models.roles import Role
from models.spelling import (
    DICTIONARY_DIR,
    MAX_SETTING_WORDS,
    MAX_WORDS,
    SHARED,
    LazyChecker,
    SettingWords,
    SpellChecker,
    load_dictionary,
    word_spans,
)
from models.vault import KdfParams
from transitions_app.services.spelling_service import DICTIONARY_BLOB, SpellingService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "spelling-test-password"


@pytest.fixture(scope="module")
def checker() -> SpellChecker:
    return SHARED.get()


def words(text: str, *, prose: bool = True) -> list[str]:
    return [s.word for s in word_spans(text, prose=prose)]


def test_british_spellings_are_right_and_american_ones_are_not(checker: SpellChecker) -> None:
    right = "colour favourite behaviour organisation practise nappies programme grey mum tyre"
    for word in (*right.split(), "centre", "children's", "don’t"):
        assert checker.is_correct(word), word
    for word in ("color", "favorite", "behavior", "center", "pediatrician", "aluminum"):
        assert not checker.is_correct(word), word


def test_suggestions_put_the_british_spelling_first(checker: SpellChecker) -> None:
    assert checker.suggest("color")[0] == "colour"
    assert checker.suggest("behavior")[0] == "behaviour"
    assert checker.suggest("recieve")[0] == "receive"
    assert len(checker.suggest("favorit", limit=3)) <= 3


def test_misspelt_words_are_found_where_they_are(checker: SpellChecker) -> None:
    text = "She loves the color red and recieves stickers."
    found = checker.misspelt(text)
    assert [(s.word, text[s.start : s.end]) for s in found] == [
        ("color", "color"),
        ("recieves", "recieves"),
    ]


def test_what_is_not_checked() -> None:
    text = (
        "Seen by the SENCO and the EHCP team on 3rd May in room A4; see www.example.org/help "
        "or write to kim@example.org now; Kaito and McKenzie use the iPad with Zofia."
    )
    checked = "Seen by the and the team on in room see or write to now and use the with"
    assert words(text) == checked.split()
    # A capital word after a sentence's end is checked; in a one-line field no capital word is.
    assert words("fine. Splosh", prose=True) == ["fine", "Splosh"]
    assert words("Grandmother and aunt", prose=False) == ["and", "aunt"]


def test_other_scripts_and_odd_unicode_are_left_alone(checker: SpellChecker) -> None:
    text = "Speaks Polski: cześć, Urdu: سلام, Mandarin: 你好 😀 and naïve cafe\u0301 e\u0301clair"
    assert checker.misspelt("سلام 你好 Привет") == []
    spans = word_spans(text)
    for s in spans:
        assert text[s.start : s.end] == s.word
    assert "cafe\u0301" in [s.word for s in spans]  # a combining accent stays in its word
    assert checker.is_correct("cafe\u0301")  # checked as "café"
    for odd in ("\u202e", "\u200b\u200b", "\ufeff", "\x00", "a\u0301\u0301\u0301\u0301", "'’'"):
        checker.misspelt(odd)  # no error


def test_a_megabyte_of_text_is_checked_quickly_and_only_so_far(checker: SpellChecker) -> None:
    text = "Splashing in puddels " * 50_000  # about a megabyte
    started = time.perf_counter()
    found = checker.misspelt(text)
    assert time.perf_counter() - started < 5
    assert len(word_spans(text)) == MAX_WORDS
    assert {s.word for s in found} == {"puddels"}
    assert checker.misspelt("x" * 1_000_000) == []  # one enormous "word" is not a word
    assert checker.suggest("q" * 10_000) == []


def test_setting_words_are_right_whatever_their_case(checker: SpellChecker) -> None:
    setting = SettingWords().with_word("Snorkelwump").with_word("Bramblewick's")
    assert checker.misspelt("the snorkelwump song", setting) == []
    assert checker.is_correct("SNORKELWUMP", setting)
    assert checker.is_correct("Bramblewick’s", setting)
    assert not checker.is_correct("snorkelwumps", setting)
    again = SettingWords.from_bytes(setting.to_bytes())
    assert again == setting
    assert setting.with_word("snorkelwump") is setting


@pytest.mark.parametrize(
    "bad", ["", "   ", "two words", "abc123", "<script>", "x" * 41, "a-b", "\u202eabc"]
)
def test_only_single_words_can_be_added(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        SettingWords().with_word(bad)


def test_the_setting_dictionary_has_a_limit() -> None:
    letters = "abcdefghijklmnopqrstuvwxyz"
    many = (f"word{a}{b}{c}" for a in letters for b in letters for c in letters)
    full = SettingWords(tuple(next(many) for _ in range(MAX_SETTING_WORDS)))
    with pytest.raises(ValidationFailed, match="full"):
        full.with_word("oneword")


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[]", b'{"words": 3}', b'{"words": ["two words"]}', b"\xff\xfe"]
)
def test_a_damaged_setting_dictionary_is_named(raw: bytes) -> None:
    with pytest.raises(ValidationFailed, match="damaged"):
        SettingWords.from_bytes(raw)


def test_a_missing_or_damaged_dictionary_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="missing"):
        load_dictionary(tmp_path)
    (tmp_path / "en_GB.aff").write_bytes(b"SET UTF-8\nPFX A Y 1\nPFX A 0 re [\n")
    (tmp_path / "en_GB.dic").write_bytes(b"not a number\n\xff\xfe")
    with pytest.raises(ValidationFailed, match="en_GB cannot be read"):
        load_dictionary(tmp_path)


def test_the_dictionary_ships_with_its_licence() -> None:
    for name in ("en_GB.aff", "en_GB.dic", "LICENCE.txt", "README_en_GB.txt", "LGPL-2.1.txt"):
        assert (DICTIONARY_DIR / name).is_file(), name
    assert "LGPL" in (DICTIONARY_DIR / "README_en_GB.txt").read_text(encoding="utf-8")
    assert SHARED.get().version.startswith("3.1.4")


def test_the_shared_dictionary_loads_once() -> None:
    calls: list[int] = []

    def load() -> SpellChecker:
        calls.append(1)
        return SHARED.get()

    lazy = LazyChecker(load)
    assert lazy.loaded() is None
    assert lazy.get() is lazy.get()
    assert calls == [1]


# --- the service over a real vault ---------------------------------------------------------------


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "vault"
    boss, _key = VaultService.create(directory, "boss", PW, kdf=FAST)
    boss.add_user("kim", Role.PRACTITIONER, PW)
    boss.add_user("hal", Role.HEADTEACHER, PW)
    boss.close()
    return directory


def test_a_practitioner_adds_a_word_every_session_then_knows(vault_dir: Path) -> None:
    kim = VaultService.open(vault_dir, "kim", PW)
    spelling = SpellingService(kim)
    spelling.load()
    assert [s.word for s in spelling.misspelt("the snorkelwump song")] == ["snorkelwump"]
    assert spelling.can_add()
    spelling.add("snorkelwump")
    assert spelling.misspelt("the snorkelwump song") == []
    kim.close()

    boss = VaultService.open(vault_dir, "boss", PW)
    assert SpellingService(boss).misspelt("the snorkelwump song") == []
    assert "snorkelwump" in SettingWords.from_bytes(boss.get_blob(DICTIONARY_BLOB) or b"")
    boss.close()
    # The word list is kept encrypted, like everything else in the vault.
    assert not any(b"snorkelwump" in p.read_bytes() for p in vault_dir.rglob("*") if p.is_file())


def test_a_role_that_does_not_edit_records_cannot_add(vault_dir: Path) -> None:
    hal = VaultService.open(vault_dir, "hal", PW)
    spelling = SpellingService(hal)
    assert not spelling.can_add()
    with pytest.raises(PermissionDenied):
        spelling.add("snorkelwump")
    with pytest.raises(PermissionDenied):  # nor by writing the blob itself
        hal.put_blob(DICTIONARY_BLOB, SettingWords(("snorkelwump",)).to_bytes())
    hal.close()


def test_a_damaged_word_list_is_not_overwritten(vault_dir: Path) -> None:
    boss = VaultService.open(vault_dir, "boss", PW)
    boss.put_blob(DICTIONARY_BLOB, b"{damaged")
    spelling = SpellingService(boss)
    assert [s.word for s in spelling.misspelt("a snorkelwump")] == ["snorkelwump"]
    with pytest.raises(ValidationFailed, match="damaged"):
        spelling.add("snorkelwump")
    assert boss.get_blob(DICTIONARY_BLOB) == b"{damaged"
    boss.close()


def test_selftest_checks_and_names_the_dictionary() -> None:
    from transitions_app.selftest import CHECKS

    detail = dict(CHECKS)["Spelling"]()  # the check alone: the others start Qt
    assert "en_GB" in detail
    assert "3.1.4" in detail


def test_corrections_are_remembered_once_worked_out(checker: SpellChecker) -> None:
    assert checker.cached_suggestions("necesary") is None
    made = checker.suggest("necesary")
    assert made[0] == "necessary"
    assert checker.cached_suggestions("necesary") == made


def test_a_closed_vault_means_no_setting_words_not_an_error() -> None:
    """A field still being checked after the session closed (the window kept an editor hidden
    for the next record) must not raise: the setting's words are read again when it is open."""

    class Closed:
        user = type("U", (), {"role": None})()

        def get_blob(self, name: str) -> bytes | None:
            raise VaultError("The vault is locked.")

    service = SpellingService(Closed(), SHARED)  # type: ignore[arg-type]
    SHARED.get()
    assert service.misspelt("She likes puddels") != []  # the dictionary still checks
