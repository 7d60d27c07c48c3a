"""Seeded, deterministic synthetic children for demos, tests and benchmarks.

Every child is obviously fictional: surnames are invented words ending in a fictional marker and
the settings and schools are labelled "(fictional)". The mix covers the whole range the product
must handle: no needs, SEN support with APDR cycles, EHC plans, EAL, FSM, shared care, safeguarding
flags, waiting lists and incomplete records.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from models.framework.definition import Kind
from models.framework.registry import current_framework
from models.framework.v1 import ASQ_DOMAINS, PRIME_AREAS
from models.record import Person, Record

FORENAMES_F = (
    "Amara",
    "Bea",
    "Clementine",
    "Dotty",
    "Esme",
    "Fern",
    "Gwen",
    "Hazel",
    "Isla",
    "Juno",
    "Kit",
    "Luna",
    "Marigold",
    "Nell",
    "Orla",
    "Poppy",
    "Rosa",
    "Saffi",
    "Tilly",
    "Wren",
)
FORENAMES_M = (
    "Alfie",
    "Bram",
    "Cosmo",
    "Dex",
    "Eli",
    "Finn",
    "Gus",
    "Hugo",
    "Ivo",
    "Jago",
    "Kai",
    "Leo",
    "Milo",
    "Ned",
    "Otis",
    "Pip",
    "Rafi",
    "Sol",
    "Teddy",
    "Zeb",
)
SURNAMES = (
    "Bramblewick",
    "Cobblestone",
    "Dandelion",
    "Fennimore",
    "Gumbleton",
    "Hollyhock",
    "Inkwell",
    "Jumbleberry",
    "Kettleby",
    "Lanternfield",
    "Marmalade",
    "Nettlebed",
    "Oddsock",
    "Puddleduck",
    "Quillfeather",
    "Rumbletum",
    "Snickerdoodle",
    "Thimbleton",
    "Umbrellaby",
    "Wobblewood",
)
LANGUAGES = ("Polish", "Urdu", "Romanian", "Somali", "Portuguese", "Bengali", "Arabic", "Tigrinya")
SCHOOLS = (
    ("Puddlebrook Primary School (fictional)", "900001"),
    ("St Example's CE Primary (fictional)", "900002"),
    ("Larkrise Infant School (fictional)", "900003"),
    ("Meadowmock Academy (fictional)", "900004"),
)
SETTING = ("Little Acorns Nursery (fictional)", "EY900001")
KEY_PEOPLE = ("Sam Keyworth", "Alex Carewell", "Jo Playfair", "Priya Storytime")
LIKES = (
    "the water tray and pouring",
    "dinosaurs and counting them",
    "building tall towers",
    "singing with actions",
    "the mud kitchen",
    "stories about space",
    "painting big pictures",
    "riding the balance bike",
)
STRENGTHS = (
    "Kind to friends and shares well",
    "Loves books and retells favourite stories",
    "Confident climber with good balance",
    "Curious: asks 'why?' about everything",
    "Counts objects to 10 reliably",
    "Brilliant imagination in role play",
)

PROFILES = (
    "typical",
    "typical",
    "typical",
    "eal",
    "fsm",
    "monitoring",
    "sen_support",
    "sen_support",
    "ehc_plan",
    "ehc_assessment",
    "incomplete",
    "shared_care",
)


def _scale(rng: random.Random, weak: bool) -> str:
    if weak:
        return rng.choice(("some_support", "targeted_support", "on_track"))
    return "some_support" if rng.random() < 0.04 else "on_track"


def academic_year_start(today: date) -> int:
    """The September in which this cohort starts Reception."""
    return today.year if today.month < 9 else today.year + 1


def generate_record(rng: random.Random, index: int, today: date) -> Record:
    fw = current_framework()
    profile = PROFILES[index % len(PROFILES)] if index < len(PROFILES) else rng.choice(PROFILES)
    start_year = academic_year_start(today)
    boy = rng.random() < 0.5
    forename = rng.choice(FORENAMES_M if boy else FORENAMES_F)
    surname = rng.choice(SURNAMES)
    dob = date(start_year - 5, 9, 1) + timedelta(days=rng.randrange(365))
    school_name, school_urn = SCHOOLS[index % len(SCHOOLS)]
    key_person = rng.choice(KEY_PEOPLE)
    record = Record(
        framework_id=fw.id,
        framework_version=fw.version,
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        created=datetime(today.year, today.month, today.day, 9, 0, tzinfo=UTC),
        updated=datetime(today.year, today.month, today.day, 9, 0, tzinfo=UTC),
    )
    v: dict[str, Any] = {
        "child.legal_forenames": forename,
        "child.legal_surname": surname,
        "child.date_of_birth": dob,
        "child.sex": "male" if boy else "female",
        "child.home_languages": "English",
        "child.fsm_eypp": "no",
        "child.funded_two": rng.choice(("yes", "no")),
        "child.looked_after": "no",
        "child.cin_cp": "no",
        "child.setting_name": SETTING[0],
        "child.setting_urn": SETTING[1],
        "child.setting_type": "group",
        "child.key_person": Person(key_person, "Key person", SETTING[0], "01632 960000"),
        "child.start_date": dob + timedelta(days=365 * 2 + rng.randrange(200)),
        "child.sessions_per_week": rng.choice((3, 5, 6, 10)),
        "child.funded_hours": rng.choice((15, 30)),
        "child.school_name": school_name,
        "child.school_urn": school_urn,
        "child.school_start_date": date(start_year, 9, 4),
        "about_me.likes": f"I like {rng.choice(LIKES)}.",
        "about_me.dislikes": "Loud hand dryers.",
        "about_me.friends": f"I play with {rng.choice(FORENAMES_F + FORENAMES_M)}.",
        "about_me.proud_of": "I can put my coat on by myself.",
        "about_me.when_upset": "A quiet cuddle with my key person and my blue blanket.",
        "about_me.how_i_communicate": "I tell you in words, or I take your hand and show you.",
        "about_me.looking_forward": "Having a big school lunch tray.",
        "about_me.captured_by": key_person,
        "about_me.captured_how": ("conversation", "drawing"),
        "family.want_teacher_to_know": "They are shy for the first few days but warm up quickly.",
        "family.hopes": "That they keep loving books.",
        "family.worries": "Managing the toilet at school on their own.",
        "family.routines": "Bedtime story every night; early riser.",
        "family.contributor": f"Parent of {forename}",
        "family.relationship": "Parent",
        "family.contributed_on": today - timedelta(days=rng.randrange(10, 60)),
        "health.allergies": "None known",
        "health.toileting": "independent",
        "health.dressing": "some_help",
        "health.eating": "independent",
        "health.health_professional": Person(
            "Hilary Healthvisit", "Health visitor", "Fictional Community Health", "01632 960111"
        ),
        "learning_characteristics.playing_exploring": "Investigates the sand tray for long stretches, trying new tools.",
        "learning_characteristics.active_learning": "Keeps trying to zip their coat, asking for a little help at the end.",
        "learning_characteristics.creating_thinking": "Planned a ramp for cars and changed it when they fell off.",
        "transition.visits_planned": "Two visits to school in June; teacher visit to the setting in July.",
        "transition.enhanced_transition": False,
        "transition.helps_with_change": "Talking about what will happen next, with photos.",
        "transition.setting_contact": Person(key_person, "Key person", SETTING[0], "01632 960000"),
        "summary.top_strengths": rng.choice(STRENGTHS),
        "summary.needs_most": "Reassurance at drop-off and help opening lunch packets.",
        "summary.strategies": "Give a two-minute warning before changes; praise effort.",
        "summary.day_one": "Likes to be greeted by name and shown where their peg is.",
        "consent.parent_informed": True,
        "consent.consent_given": True,
        "consent.consent_by": f"Parent of {forename}",
        "consent.consent_relationship": "Parent",
        "consent.consent_date": today - timedelta(days=rng.randrange(5, 40)),
        "consent.consent_method": "written",
        "consent.consent_scope": ("all", "health", "send"),
        "consent.parent_seen_date": today - timedelta(days=rng.randrange(1, 5)),
        "send.status": "none",
    }
    weak = profile in ("monitoring", "sen_support", "ehc_plan", "ehc_assessment")
    for fd in fw.section("learning").fields:
        if fd.kind is Kind.SCALE:
            v[fd.path] = _scale(rng, weak and fd.feeds != ())
    for area, title in PRIME_AREAS:
        v[f"learning.{area}_strengths"] = f"Enjoys {title.lower()} activities with a friend."
        v[f"learning.{area}_next_steps"] = "Build confidence in small-group times."
    v["progress_check.check_date"] = dob + timedelta(days=365 * 2 + 60)
    v["progress_check.check_practitioner"] = key_person
    for area, title in PRIME_AREAS:
        v[f"progress_check.check_{area}"] = (
            f"{title}: making steady progress; plan to extend vocabulary."
        )
    v["progress_check.check_shared_with_hv"] = True
    v["progress_check.review_date"] = dob + timedelta(days=365 * 2 + 90)
    v["progress_check.asq_interval"] = 27
    for key, _label in ASQ_DOMAINS:
        score = (
            rng.choice((35, 40, 45, 50, 55, 60))
            if not weak
            else rng.choice((10, 15, 20, 25, 30, 45))
        )
        v[f"progress_check.asq_{key}_score"] = score
        v[f"progress_check.asq_{key}_zone"] = (
            "above" if score >= 40 else ("monitoring" if score >= 25 else "below")
        )
    v["progress_check.integrated_review"] = rng.random() < 0.6

    if profile == "eal":
        v["child.home_languages"] = f"{rng.choice(LANGUAGES)}, English"
        v["child.interpreter_needed"] = rng.random() < 0.5
        if v["child.interpreter_needed"]:
            v["child.interpreter_language"] = v["child.home_languages"].split(",")[0]
    if profile == "fsm":
        v["child.fsm_eypp"] = "yes"
    if profile == "shared_care":
        v["child.shared_care"] = "Fictional Farm Childminding on Mondays and Tuesdays."
        v["child.cin_cp"] = "yes"
    if profile == "monitoring":
        v["send.status"] = "monitoring"
    if profile in ("sen_support", "ehc_plan", "ehc_assessment"):
        v["send.status"] = {
            "sen_support": "sen_support",
            "ehc_plan": "ehc_plan",
            "ehc_assessment": "ehc_assessment",
        }[profile]
        v["send.areas_of_need"] = ("communication_interaction",)
        v["send.primary_need"] = rng.choice(("SLCN", "ASD", "SEMH"))
        v["send.setting_senco"] = Person(
            "Robin Inclusionworth", "SENCO", SETTING[0], "01632 960001"
        )
        v["send.apdr_cycles"] = tuple(
            {
                "assessed": f"Cycle {n}: attention in group time and use of single words.",
                "outcomes": "Joins a 5-minute group story with a visual timetable.",
                "provision": "Small-group language sessions three times a week.",
                "delivered_by": key_person,
                "review_date": today - timedelta(days=30 * (3 - n)),
                "progress": "Sits for 3 minutes with a fidget toy.",
            }
            for n in (1, 2)
        )
        v["send.professionals"] = (
            {
                "person": Person(
                    "Dr Una Listenwell", "Speech and language therapist", "Fictional NHS Trust", ""
                ),
                "service": "Speech and language therapy",
                "status": "involved",
            },
            {
                "person": Person(
                    "Waiting Allocation", "Paediatrician", "Fictional Child Development Centre", ""
                ),
                "service": "Community paediatrics",
                "status": "waiting",
                "waiting_since": today - timedelta(days=120),
            },
        )
        v["send.plan_coproduced"] = True
        v["send.plan_coproduced_date"] = today - timedelta(days=20)
        v["send.meeting_date"] = today - timedelta(days=10)
        v["send.meeting_attendees"] = "Parent, key person, setting SENCO, school SENCO."
        v["send.meeting_actions"] = (
            {
                "action": "Share visual timetable with school",
                "owner": "Setting SENCO",
                "due": today + timedelta(days=14),
            },
            {
                "action": "Extra visit with a photo book",
                "owner": "School SENCO",
                "due": today + timedelta(days=30),
            },
        )
        v["send.strategies"] = "Visual timetable, now-and-next board, quiet space after lunch."
        v["send.reasonable_adjustments"] = (
            "Ear defenders available; seat near the door; shorter carpet times."
        )
        v["send.early_warning_signs"] = (
            "Covers ears and hides: offer the quiet corner and ear defenders."
        )
        v["transition.enhanced_transition"] = True
        v["transition.enhanced_why"] = "Extra visits help with the change of building and adults."
        if profile == "ehc_plan":
            v["send.ehc_issued"] = today - timedelta(days=200)
            v["send.ehc_la"] = "Northshire County Council (fictional)"
            v["send.ehc_caseworker"] = "Casey Planwright"
            v["send.ehc_next_review"] = today + timedelta(days=160)
            v["send.section23"] = True
            v["send.section23_date"] = today - timedelta(days=400)
            v["health.allergies"] = "Peanuts (carries an auto-injector)."
            v["health.healthcare_plan"] = True
        if profile == "ehc_assessment":
            v["send.ehc_request_date"] = today - timedelta(days=45)
    for path, value in v.items():
        record.set(path, value)
    if profile == "incomplete":
        for path in (
            "summary.day_one",
            "summary.strategies",
            "family.want_teacher_to_know",
            "about_me.when_upset",
            "health.toileting",
        ):
            record.set(path, None)
    return record


def generate_records(n: int, seed: int = 1, today: date | None = None) -> list[Record]:
    today = today or date(2026, 3, 2)
    rng = random.Random(seed)
    return [generate_record(rng, i, today) for i in range(n)]
