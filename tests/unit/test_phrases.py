"""The phrase bank: field keys, the starter examples, search, who may save and who may curate,
the encrypted round trip through a real vault, and hostile input (huge text, odd unicode, a
damaged or hostile stored bank) refused with one sentence, never a traceback."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from models.errors import PermissionDenied, TransitionsError, ValidationFailed
from models.framework.registry import current_framework
from models.phrases import (
    MAX_BANK_BYTES,
    MAX_PER_FIELD,
    MAX_PHRASE,
    Phrase,
    PhraseBank,
    clean_phrase,
    field_key,
    names_in,
    phrase_fields,
    sentence_at,
    starter_bank,
)
from models.roles import Role
from models.vault import KdfParams
from transitions_app.services.phrase_service import PHRASES_BLOB, PhraseService
from transitions_app.services.vault_service import UserInfo, VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "correct horse battery"
NEXT = "learning.cl_next_steps"


@dataclass
class MemoryVault:
    """The two blob calls the service makes, in memory, for one user."""

    role: Role = Role.MANAGER
    name: str = "sam"
    blobs: dict[str, bytes] = field(default_factory=dict)

    @property
    def user(self) -> UserInfo:
        return UserInfo(self.name, self.role)

    def get_blob(self, name: str) -> bytes | None:
        return self.blobs.get(name)

    def put_blob(self, name: str, data: bytes) -> None:
        self.blobs[name] = data


# ------------------------------------------------------------------------------------ the model


def test_next_steps_and_what_helps_share_one_key_across_the_learning_areas() -> None:
    assert (
        field_key("learning.cl_next_steps") == field_key("learning.pd_next_steps") == "next_steps"
    )
    assert field_key("learning.maths_what_helps") == "what_helps"
    assert field_key("summary.strategies") == field_key("send.strategies") == "strategies"
    assert field_key("about_me.likes") == "likes"
    bank = PhraseBank().with_phrase("learning.cl_next_steps", Phrase("Practise pouring a drink."))
    assert [p.text for p in bank.for_field("learning.ead_next_steps")] == [
        "Practise pouring a drink."
    ]


def test_starter_set_is_plain_examples_for_the_three_fields() -> None:
    bank = starter_bank()
    assert set(bank.field_keys()) == {"strategies", "next_steps", "what_helps"}
    for _key, items in bank.phrases:
        assert len(items) >= 3
        for p in items:
            assert p.example
            assert p.author == ""
            assert "example" not in p.text.casefold()  # the flag marks it, not words in the record
            assert len(p.text) < 120
            assert p.text.endswith(".")


def test_search_needs_every_word_in_any_case_and_keeps_bank_order() -> None:
    bank = starter_bank()
    assert [p.text for p in bank.search(NEXT, "")] == [p.text for p in bank.for_field(NEXT)]
    found = bank.search(NEXT, "COAT own")
    assert [p.text for p in found] == ["Practise putting on their coat and shoes on their own."]
    assert bank.search(NEXT, "coat tidy") == []
    assert bank.search("about_me.likes", "") == []


def test_adding_tidies_spaces_and_never_adds_the_same_words_twice() -> None:
    bank = PhraseBank().with_phrase(NEXT, Phrase("  Likes   to\nhelp  at snack time. ", "kim"))
    again = bank.with_phrase(NEXT, Phrase("Likes to help at snack time.", "sam"))
    assert again == bank
    assert bank.for_field(NEXT) == (Phrase("Likes to help at snack time.", "kim"),)
    with pytest.raises(ValidationFailed, match="needs some words"):
        bank.with_phrase(NEXT, Phrase(" \n\t "))


def test_replacing_keeps_the_place_and_removing_the_last_phrase_drops_the_key() -> None:
    bank = starter_bank()
    first, second, third = (p.text for p in bank.for_field(NEXT))
    changed = bank.with_replaced(NEXT, second, Phrase("Keep practising zips.", "sam"))
    assert [p.text for p in changed.for_field(NEXT)] == [first, "Keep practising zips.", third]
    assert not changed.for_field(NEXT)[1].example
    merged = bank.with_replaced(NEXT, second, Phrase(first))  # the same words as another: one stays
    assert [p.text for p in merged.for_field(NEXT)] == [first, third]
    with pytest.raises(ValidationFailed, match="no longer in the bank"):
        bank.with_replaced(NEXT, "Not a phrase here.", Phrase("Anything."))
    emptied = bank
    for text in (first, second, third):
        emptied = emptied.without_phrase(NEXT, text)
    assert "next_steps" not in emptied.field_keys()
    assert emptied.with_examples().for_field(NEXT) == bank.for_field(NEXT)


def test_round_trip_through_bytes_keeps_everything() -> None:
    bank = starter_bank().with_phrase(
        "about_me.likes", Phrase("Loves the mud kitchen — ça va 🌧️", "kim")
    )
    assert PhraseBank.from_bytes(bank.to_bytes()) == bank


def test_sentence_at_the_cursor() -> None:
    text = "Likes sand. Needs help with coats!  Shy at first\nGood friend to all"
    assert sentence_at(text, 0) == "Likes sand."
    assert sentence_at(text, 11) == "Likes sand."  # just after the full stop
    assert sentence_at(text, 20) == "Needs help with coats!"
    assert sentence_at(text, 35) == "Needs help with coats!"  # in the gap after it
    assert sentence_at(text, len(text)) == "Good friend to all"
    assert sentence_at("", 0) == sentence_at("   ", 2) == ""


def test_a_childs_name_in_a_sentence_is_found_as_a_word() -> None:
    assert names_in("Ash likes the sand with WREN.", ["Wren Ashdown-Fictional", "Ash"]) == [
        "Wren",
        "Ash",
    ]
    assert names_in("Splashes in puddles.", ["Ash"]) == []  # not inside another word


def test_phrase_fields_cover_every_free_text_field_once() -> None:
    fields = phrase_fields(current_framework())
    keys = [f.key for f in fields]
    assert len(keys) == len(set(keys))
    assert {"strategies", "next_steps", "what_helps", "likes", "provision"} <= set(keys)
    assert "legal_forenames" not in keys  # a name is not a sentence
    next_steps = next(f for f in fields if f.key == "next_steps")
    assert len(next_steps.places) == 7


# ------------------------------------------------------------------------------- hostile input


def test_huge_text_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValidationFailed, match=f"at most {MAX_PHRASE} characters"):
        PhraseBank().with_phrase(NEXT, Phrase("word " * 100_000))
    service = PhraseService(MemoryVault())
    with pytest.raises(ValidationFailed):
        service.save(NEXT, "x" * (MAX_PHRASE + 1))
    assert service.has_own_bank() is False  # nothing was written


def test_a_full_field_refuses_more_phrases() -> None:
    bank = PhraseBank()
    for n in range(MAX_PER_FIELD):
        bank = bank.with_phrase(NEXT, Phrase(f"Phrase number {n}."))
    with pytest.raises(ValidationFailed, match=f"already has {MAX_PER_FIELD} phrases"):
        bank.with_phrase(NEXT, Phrase("One more."))


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Likes\u202e sand", "Likes sand"),  # a right-to-left override cannot reverse the text
        ("Zero\u200bwidth\ufeff", "Zerowidth"),
        ("Bell\x07 and\x00 null", "Bell and null"),
        ("Line\u2028separator\u2029here", "Line separator here"),
        ("Lone \ud800surrogate", "Lone surrogate"),  # would not even encode as UTF-8
        ("Cafe\u0301", "Café"),  # composed, so search and duplicates match
        ("می\u200cخواهم", "می\u200cخواهم"),  # a joiner that is part of the script stays
    ],
)
def test_odd_unicode_is_cleaned_and_can_be_stored(typed: str, kept: str) -> None:
    assert clean_phrase(typed) == kept
    service = PhraseService(MemoryVault())
    service.save("about_me.likes", typed)
    assert [p.text for p in service.phrases("about_me.likes")] == [kept]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"not json at all",
        b"[" * 100_000,  # nested far too deeply for the parser
        b'{"version": 1, "phrases": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"[]",
        b"null",
        b'{"version": 2, "phrases": {}}',  # a format this app does not know
        b'{"version": 1}',
        b'{"version": 1, "phrases": []}',
        b'{"version": 1, "phrases": {"next_steps": "text"}}',
        b'{"version": 1, "phrases": {"next_steps": [null]}}',
        b'{"version": 1, "phrases": {"next_steps": [{"text": null}]}}',
        b'{"version": 1, "phrases": {"next_steps": [{"text": 7}]}}',
        b'{"version": 1, "phrases": {"next_steps": [{"text": "ok", "example": "no"}]}}',
        b'{"version": 1, "phrases": {"next_steps": [{"text": "   "}]}}',
        b'{"version": 1, "phrases": {"../../etc": [{"text": "ok"}]}}',
        b'{"version": 1, "phrases": {"next_steps": [{"text": "ok", "author": 12}]}}',
        b'{"version": 1, "phrases": {"n": [{"text": "' + b"x" * (MAX_PHRASE + 1) + b'"}]}}',
        b'{"version": 1, "phrases": {"n": [{"text": "1"}]}, "x": 1' + b"9" * 5000 + b"}",
        b'{"version": 1, "phrases": {"n": [{"text": "ok"}]}}' + b" " * MAX_BANK_BYTES,
    ],
)
def test_a_damaged_stored_bank_is_one_sentence_not_a_traceback(raw: bytes) -> None:
    with pytest.raises(ValidationFailed, match="phrase bank is damaged") as caught:
        PhraseBank.from_bytes(raw)
    assert caught.value.__cause__ is None  # no parser traceback chained to what people see
    vault = MemoryVault(blobs={PHRASES_BLOB: raw})
    service = PhraseService(vault)
    with pytest.raises(ValidationFailed, match="A manager can start it again"):
        service.phrases(NEXT)
    with pytest.raises(ValidationFailed):
        service.save(NEXT, "A new sentence.")
    assert vault.blobs[PHRASES_BLOB] == raw  # a damaged bank is not overwritten by a save
    assert service.start_again() == starter_bank()  # the manager's way out
    assert PhraseBank.from_bytes(vault.blobs[PHRASES_BLOB]) == starter_bank()


def test_too_many_phrases_stored_under_one_key_is_damage() -> None:
    items = [{"text": f"Phrase {n}."} for n in range(MAX_PER_FIELD + 1)]
    raw = json.dumps({"version": 1, "phrases": {"next_steps": items}}).encode()
    with pytest.raises(ValidationFailed, match="damaged"):
        PhraseBank.from_bytes(raw)


def test_stored_control_characters_are_cleaned_on_reading() -> None:
    raw = json.dumps(
        {"version": 1, "phrases": {"likes": [{"text": "Sand\u202e pit", "author": "k\x1bim"}]}}
    ).encode()
    assert PhraseBank.from_bytes(raw).for_field("about_me.likes") == (Phrase("Sand pit", "kim"),)


# ------------------------------------------------------------------------------ the service


def test_no_bank_offers_the_starter_examples_and_the_first_save_keeps_them() -> None:
    vault = MemoryVault(role=Role.PRACTITIONER, name="kim")
    service = PhraseService(vault)
    assert not service.has_own_bank()
    assert service.bank() == starter_bank()
    service.save(NEXT, "Practise waiting for a turn on the bikes.")
    assert service.has_own_bank()
    texts = [(p.text, p.author, p.example) for p in service.phrases("learning.pd_next_steps")]
    assert texts[-1] == ("Practise waiting for a turn on the bikes.", "kim", False)
    assert all(example for _t, _a, example in texts[:-1])


@pytest.mark.parametrize(
    ("role", "saves", "curates"),
    [
        (Role.MANAGER, True, True),
        (Role.CHILDMINDER, True, True),
        (Role.PRACTITIONER, True, False),
        (Role.SENCO, True, False),
        (Role.DSL, True, False),
        (Role.HEADTEACHER, False, False),  # a school's role: not the setting's bank
        (Role.RECEPTION_TEACHER, False, False),
    ],
)
def test_who_may_save_and_who_may_curate(role: Role, saves: bool, curates: bool) -> None:
    vault = MemoryVault(role=role, name="someone")
    service = PhraseService(vault)
    assert service.can_save() is saves
    assert service.can_curate() is curates
    first = starter_bank().for_field(NEXT)[0].text
    if saves:
        service.save(NEXT, "Enjoys the sensory garden.")
    else:
        with pytest.raises(PermissionDenied, match="cannot save phrases"):
            service.save(NEXT, "Enjoys the sensory garden.")
    stored = dict(vault.blobs)
    for attempt in (
        lambda: service.replace(NEXT, first, "Something else."),
        lambda: service.remove(NEXT, first if not curates else "Something else."),
        service.add_examples,
        service.start_again,
    ):
        if curates:
            attempt()
        else:
            with pytest.raises(PermissionDenied, match="Only a manager"):
                attempt()
            assert vault.blobs == stored  # nothing written


def test_manager_edits_removes_and_puts_back_examples() -> None:
    service = PhraseService(MemoryVault())
    first, second, _third = (p.text for p in service.phrases(NEXT))
    service.replace(NEXT, first, "Keep offering turn-taking games with two friends.")
    service.remove(NEXT, second)
    texts = [p.text for p in service.phrases(NEXT)]
    assert texts[0] == "Keep offering turn-taking games with two friends."
    assert second not in texts
    service.add_examples()
    texts = [p.text for p in service.phrases(NEXT)]
    assert second in texts  # the examples are back, the edit stays
    assert first in texts


# ----------------------------------------------------------------------- through a real vault


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "vault"
    service, _key = VaultService.create(directory, "sam", PASSWORD, kdf=FAST)
    service.add_user("kim", Role.PRACTITIONER, PASSWORD)
    service.close()
    return directory


def login(directory: Path, name: str) -> VaultService:
    return VaultService.open(directory, name, PASSWORD, sleeper=lambda _s: None)


def test_round_trip_through_the_encrypted_vault_and_roles(vault_dir: Path) -> None:
    kim = login(vault_dir, "kim")
    PhraseService(kim).save("summary.strategies", "A quiet corner helps them calm down.")
    first = PhraseService(kim).phrases("send.strategies")[0].text
    with pytest.raises(PermissionDenied):
        PhraseService(kim).remove("send.strategies", first)
    kim.close()
    folder_bytes = b"".join(p.read_bytes() for p in vault_dir.rglob("*") if p.is_file())
    assert b"quiet corner" not in folder_bytes  # kept encrypted

    sam = login(vault_dir, "sam")
    service = PhraseService(sam)
    phrases = service.phrases("send.strategies")
    assert ("A quiet corner helps them calm down.", "kim") in [(p.text, p.author) for p in phrases]
    service.remove("send.strategies", "A quiet corner helps them calm down.")
    assert "A quiet corner helps them calm down." not in [
        p.text for p in service.phrases("summary.strategies")
    ]
    sam.close()


def test_every_refusal_is_a_transitions_error() -> None:
    for exc in (ValidationFailed, PermissionDenied):
        assert issubclass(exc, TransitionsError)
