"""Version 1 of the school readiness framework (FRAMEWORK.md), as data.

Help texts are written for a key person in plain language. Field keys are stable: they are the
JSON interchange names and the paths charters refer to ("send.status", "health.allergies").
"""

from __future__ import annotations

from models.framework.definition import (
    Condition,
    FieldDef,
    Framework,
    Guard,
    Kind,
    Option,
    SectionDef,
    TextFormat,
    build_framework,
    build_section,
)

FRAMEWORK_ID = "eyfs-school-readiness"


def opts(*pairs: tuple[str, str]) -> tuple[Option, ...]:
    return tuple(Option(v, label) for v, label in pairs)


YES_NO_UNKNOWN = opts(("yes", "Yes"), ("no", "No"), ("unknown", "Not known"))

SCALE = opts(
    ("on_track", "On track"),
    ("some_support", "Some support needed"),
    ("targeted_support", "Targeted support needed"),
    ("not_assessed", "Not assessed"),
)
NOT_ON_TRACK = ("some_support", "targeted_support")

SEND_STATUS = opts(
    ("none", "No identified need"),
    ("monitoring", "Monitoring an emerging concern"),
    ("sen_support", "SEN support"),
    ("ehc_assessment", "EHC needs assessment requested"),
    ("ehc_plan", "EHC plan in place"),
)
SEND_SUPPORT_OR_ABOVE = ("sen_support", "ehc_assessment", "ehc_plan")

SEN_TYPES = opts(
    ("SPLD", "SPLD – specific learning difficulty"),
    ("MLD", "MLD – moderate learning difficulty"),
    ("SLD", "SLD – severe learning difficulty"),
    ("PMLD", "PMLD – profound and multiple learning difficulty"),
    ("SEMH", "SEMH – social, emotional and mental health"),
    ("SLCN", "SLCN – speech, language and communication needs"),
    ("HI", "HI – hearing impairment"),
    ("VI", "VI – visual impairment"),
    ("MSI", "MSI – multi-sensory impairment"),
    ("PD", "PD – physical disability"),
    ("ASD", "ASD – autistic spectrum disorder"),
    ("OTH", "OTH – other difficulty or disability"),
    ("NSA", "NSA – SEN support but no specialist assessment of type of need"),
)

ASQ_ZONES = opts(
    ("above", "Above cut-off"),
    ("monitoring", "Monitoring zone"),
    ("below", "Below cut-off"),
)

# The seven areas and their 17 aspects. (key, title, prime?, [(aspect key, label, plain description)])
AREAS: tuple[tuple[str, str, bool, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "cl",
        "Communication and language",
        True,
        (
            (
                "listening",
                "Listening, attention and understanding",
                "Listens in a group, follows instructions with more than one step, asks questions to understand.",
            ),
            (
                "speaking",
                "Speaking",
                "Joins in talk, uses new words, talks about ideas and experiences in full sentences.",
            ),
        ),
    ),
    (
        "pd",
        "Physical development",
        True,
        (
            (
                "gross_motor",
                "Gross motor skills",
                "Moves safely with control: running, jumping, climbing, balancing.",
            ),
            (
                "fine_motor",
                "Fine motor skills",
                "Holds a pencil well, uses scissors and small tools, begins to show accuracy in drawing.",
            ),
        ),
    ),
    (
        "psed",
        "Personal, social and emotional development",
        True,
        (
            (
                "self_regulation",
                "Self-regulation",
                "Understands own feelings and others', waits for what they want, follows instructions.",
            ),
            (
                "managing_self",
                "Managing self",
                "Tries new things, keeps going, manages own hygiene, dressing and toileting.",
            ),
            (
                "relationships",
                "Building relationships",
                "Plays and works with others, makes friends, is sensitive to others' needs.",
            ),
        ),
    ),
    (
        "lit",
        "Literacy",
        False,
        (
            (
                "comprehension",
                "Comprehension",
                "Retells stories in own words, uses new vocabulary from books, joins in with rhymes.",
            ),
            (
                "word_reading",
                "Word reading",
                "Knows letter sounds, blends sounds into words, reads simple sentences.",
            ),
            (
                "writing",
                "Writing",
                "Writes recognisable letters, spells words by sounding them out, writes simple phrases.",
            ),
        ),
    ),
    (
        "maths",
        "Mathematics",
        False,
        (
            (
                "number",
                "Number",
                "Understands numbers to 10, recognises small amounts without counting, knows number bonds to 5.",
            ),
            (
                "patterns",
                "Numerical patterns",
                "Counts beyond 20, compares amounts, explores patterns such as odds and evens.",
            ),
        ),
    ),
    (
        "utw",
        "Understanding the world",
        False,
        (
            (
                "past_present",
                "Past and present",
                "Talks about the lives of people around them and about past and present events.",
            ),
            (
                "people_culture",
                "People, culture and communities",
                "Describes the immediate environment, knows some similarities and differences between people and places.",
            ),
            (
                "natural_world",
                "The natural world",
                "Explores the natural world, describes what they see, knows about seasons and change.",
            ),
        ),
    ),
    (
        "ead",
        "Expressive arts and design",
        False,
        (
            (
                "creating",
                "Creating with materials",
                "Uses materials, tools and techniques safely, shares what they have made.",
            ),
            (
                "imaginative",
                "Being imaginative and expressive",
                "Invents and retells stories, sings songs, moves to music.",
            ),
        ),
    ),
)

# Aspects that count towards a good level of development: the prime areas, literacy and maths.
GLD_AREAS = ("cl", "pd", "psed", "lit", "maths")

ASQ_DOMAINS: tuple[tuple[str, str], ...] = (
    ("communication", "Communication"),
    ("gross_motor", "Gross motor"),
    ("fine_motor", "Fine motor"),
    ("problem_solving", "Problem solving"),
    ("personal_social", "Personal-social"),
)

PRIME_AREAS = tuple((k, t) for k, t, prime, _ in AREAS if prime)


def f(key: str, label: str, kind: Kind, help: str = "", **kw: object) -> FieldDef:
    return FieldDef(key=key, label=label, kind=kind, help=help, **kw)  # type: ignore[arg-type]


def person(key: str, label: str, help: str = "", **kw: object) -> FieldDef:
    return f(key, label, Kind.PERSON, help, **kw)


def _child() -> SectionDef:
    g_child, g_flags, g_setting, g_att, g_school = (
        "The child",
        "Eligibility and context",
        "Setting",
        "Attendance",
        "Receiving school",
    )
    return build_section(
        "child",
        1,
        "Child and setting",
        "Who the child is, where they are now and where they are going.",
        [
            f(
                "legal_forenames",
                "Legal forename(s)",
                Kind.TEXT,
                "As on the birth certificate.",
                required=True,
                group=g_child,
            ),
            f("legal_surname", "Legal surname", Kind.TEXT, required=True, group=g_child),
            f(
                "preferred_name",
                "Preferred name",
                Kind.TEXT,
                "What the child likes to be called.",
                group=g_child,
            ),
            f(
                "date_of_birth",
                "Date of birth",
                Kind.DATE,
                past_only=True,
                required=True,
                group=g_child,
            ),
            f(
                "sex",
                "Sex",
                Kind.CHOICE,
                "As recorded by the setting.",
                required=True,
                options=opts(("female", "Female"), ("male", "Male")),
                group=g_child,
            ),
            f(
                "upn",
                "Unique pupil number (UPN)",
                Kind.TEXT,
                "Optional. 13 characters starting with a check letter; a temporary UPN ends with a letter.",
                group=g_child,
                text_format=TextFormat.UPN,
            ),
            f(
                "home_languages",
                "Home language(s)",
                Kind.TEXT,
                "Separate languages with commas.",
                required=True,
                feeds=("eal",),
                group=g_child,
            ),
            f(
                "eal",
                "English as an additional language",
                Kind.CHOICE,
                "Filled in from the home languages; change it if that is not right for this child.",
                options=YES_NO_UNKNOWN,
                feeds=("eal",),
                group=g_child,
            ),
            f("interpreter_needed", "Parents need an interpreter", Kind.YESNO, group=g_child),
            f(
                "interpreter_language",
                "Interpreter language",
                Kind.TEXT,
                group=g_child,
                required_when=Condition("child.interpreter_needed", any_of=("yes",)),
            ),
            f(
                "fsm_eypp",
                "Free school meals or early years pupil premium",
                Kind.CHOICE,
                options=YES_NO_UNKNOWN,
                required=True,
                group=g_flags,
            ),
            f(
                "funded_two",
                "Two-year-old funded place",
                Kind.CHOICE,
                options=YES_NO_UNKNOWN,
                group=g_flags,
            ),
            f(
                "looked_after",
                "Looked after or previously looked after",
                Kind.CHOICE,
                options=YES_NO_UNKNOWN,
                required=True,
                group=g_flags,
            ),
            f(
                "cin_cp",
                "Child in need or child protection plan",
                Kind.CHOICE,
                "Only this flag travels. Designated safeguarding leads speak directly; never write detail here.",
                options=YES_NO_UNKNOWN,
                feeds=("dsl",),
                guard=Guard.SAFEGUARDING,
                group=g_flags,
            ),
            f("setting_name", "Setting name", Kind.TEXT, required=True, group=g_setting),
            f("setting_urn", "Setting Ofsted URN", Kind.TEXT, group=g_setting),
            f(
                "setting_type",
                "Type of setting",
                Kind.CHOICE,
                required=True,
                options=opts(
                    ("group", "Group setting"),
                    ("school_nursery", "School-based nursery"),
                    ("childminder", "Childminder"),
                ),
                group=g_setting,
            ),
            person("key_person", "Key person", required=True, group=g_setting),
            f("start_date", "Started at this setting", Kind.DATE, past_only=True, group=g_att),
            f(
                "sessions_per_week",
                "Days or sessions per week",
                Kind.NUMBER,
                minimum=0,
                maximum=14,
                group=g_att,
            ),
            f(
                "funded_hours",
                "Funded hours per week",
                Kind.NUMBER,
                minimum=0,
                maximum=30,
                group=g_att,
            ),
            f(
                "shared_care",
                "Other settings attended at the same time",
                Kind.NOTE,
                "Shared care: name each setting and the days.",
                group=g_att,
            ),
            f("school_name", "Receiving school", Kind.TEXT, required=True, group=g_school),
            f(
                "school_urn",
                "School DfE URN",
                Kind.TEXT,
                "Six digits.",
                required=True,
                text_format=TextFormat.SCHOOL_URN,
                group=g_school,
            ),
            f("school_class", "Class or teacher, if known", Kind.TEXT, group=g_school),
            f("school_start_date", "School start date", Kind.DATE, required=True, group=g_school),
        ],
    )


def _about_me() -> SectionDef:
    return build_section(
        "about_me",
        2,
        "All about me",
        "The child's own voice: use their words where you can.",
        [
            f("likes", "What I like", Kind.NOTE, required=True),
            f("dislikes", "What I don't like", Kind.NOTE),
            f("friends", "My friends", Kind.NOTE),
            f("proud_of", "What I am proud of", Kind.NOTE),
            f("when_upset", "What helps me when I'm upset or worried", Kind.NOTE, required=True),
            f("how_i_communicate", "How I tell you what I need", Kind.NOTE, required=True),
            f("looking_forward", "What I'm looking forward to at school", Kind.NOTE),
            f("captured_by", "Who captured this", Kind.TEXT),
            f(
                "captured_how",
                "How it was captured",
                Kind.MULTI,
                options=opts(
                    ("conversation", "Conversation"),
                    ("drawing", "Drawing"),
                    ("photos", "Photos"),
                    ("observation", "Observation"),
                ),
            ),
        ],
    )


def _family() -> SectionDef:
    return build_section(
        "family",
        3,
        "My family's voice",
        "What the family wants the school to know. Told once, carried into every export.",
        [
            f("want_teacher_to_know", "What we want the teacher to know", Kind.NOTE, required=True),
            f("hopes", "Our hopes", Kind.NOTE),
            f("worries", "Our worries", Kind.NOTE),
            f("routines", "Routines at home", Kind.NOTE),
            f("home_learning", "Home learning and languages", Kind.NOTE),
            f("lives_with", "Who lives with the child (optional)", Kind.NOTE),
            f("contributor", "Who contributed", Kind.TEXT, required=True),
            f("relationship", "Relationship to the child", Kind.TEXT, required=True),
            f("contributed_on", "Date", Kind.DATE, past_only=True, required=True),
        ],
    )


def _health() -> SectionDef:
    independence = opts(
        ("independent", "Independent"),
        ("some_help", "Needs some help"),
        ("full_help", "Needs full help"),
    )
    return build_section(
        "health",
        4,
        "Health, care and independence",
        "What keeps the child safe and comfortable during the school day.",
        [
            f(
                "allergies",
                "Allergies",
                Kind.NOTE,
                "Write 'None known' if there are none.",
                required=True,
                feeds=("medical",),
            ),
            f("medical_conditions", "Medical conditions", Kind.NOTE, feeds=("medical",)),
            f("medication", "Medication", Kind.NOTE, feeds=("medical",)),
            f("healthcare_plan", "Individual healthcare plan", Kind.YESNO, feeds=("medical",)),
            f("dietary_needs", "Dietary needs", Kind.NOTE),
            f(
                "toileting",
                "Toileting",
                Kind.CHOICE,
                required=True,
                options=opts(
                    ("independent", "Independent"),
                    ("in_training", "In training"),
                    ("nappies", "Nappies"),
                ),
            ),
            f("dressing", "Dressing", Kind.CHOICE, options=independence),
            f("eating", "Eating", Kind.CHOICE, options=independence),
            f("sleep", "Sleep", Kind.NOTE),
            f("hearing_vision", "Hearing or vision concerns", Kind.NOTE),
            person("health_professional", "Health visitor or other health professional"),
        ],
    )


def _learning_characteristics() -> SectionDef:
    return build_section(
        "learning_characteristics",
        5,
        "Characteristics of effective learning",
        "How the child learns, with an example you have seen.",
        [
            f("playing_exploring", "Playing and exploring", Kind.NOTE, required=True),
            f("active_learning", "Active learning", Kind.NOTE, required=True),
            f("creating_thinking", "Creating and thinking critically", Kind.NOTE, required=True),
        ],
    )


def _learning() -> SectionDef:
    fields: list[FieldDef] = []
    for area, title, prime, aspects in AREAS:
        feeds = ("prime_not_on_track",) if prime else ()
        for key, label, description in aspects:
            fields.append(
                f(
                    f"{area}_{key}",
                    label,
                    Kind.SCALE,
                    description,
                    required=True,
                    options=SCALE,
                    feeds=feeds,
                    group=title,
                )
            )
        fields.append(f(f"{area}_strengths", "Strengths", Kind.NOTE, group=title))
        fields.append(f(f"{area}_next_steps", "Next steps", Kind.NOTE, group=title))
        fields.append(f(f"{area}_what_helps", "What helps", Kind.NOTE, group=title))
    return build_section(
        "learning",
        6,
        "Learning and development",
        "A judgement for each of the 17 early learning goal aspects, and what helps in each area.",
        fields,
    )


def _progress_check() -> SectionDef:
    g2, ghv = "Progress check at two (setting)", "Health visitor review at 2–2½"
    fields: list[FieldDef] = [
        f("check_date", "Date of progress check", Kind.DATE, past_only=True, group=g2),
        f(
            "check_practitioner",
            "Practitioner",
            Kind.TEXT,
            group=g2,
            required_when=Condition("progress_check.check_date", is_set=True),
        ),
    ]
    for area, title in PRIME_AREAS:
        fields.append(
            f(
                f"check_{area}",
                title,
                Kind.NOTE,
                "Strengths; where progress is less than expected; what is planned.",
                group=g2,
                required_when=Condition("progress_check.check_date", is_set=True),
            )
        )
        fields.append(
            f(
                f"check_{area}_less_than_expected",
                f"{title}: progress less than expected",
                Kind.YESNO,
                feeds=("asq_below",),
                group=g2,
            )
        )
    fields += [
        f("check_parent_contribution", "Parent's contribution", Kind.NOTE, group=g2),
        f("check_shared_with_hv", "Shared with the health visitor", Kind.YESNO, group=g2),
        f("review_date", "Date of health visitor review", Kind.DATE, past_only=True, group=ghv),
        f(
            "asq_interval",
            "ASQ-3 questionnaire interval (months)",
            Kind.NUMBER,
            minimum=2,
            maximum=60,
            group=ghv,
            required_when=Condition("progress_check.review_date", is_set=True),
        ),
    ]
    for key, label in ASQ_DOMAINS:
        fields.append(
            f(
                f"asq_{key}_score",
                f"ASQ-3 {label} score",
                Kind.NUMBER,
                "0 to 60, in steps of 5.",
                minimum=0,
                maximum=60,
                step=5,
                group=ghv,
                required_when=Condition("progress_check.review_date", is_set=True),
            )
        )
        fields.append(
            f(
                f"asq_{key}_zone",
                f"ASQ-3 {label} zone",
                Kind.CHOICE,
                "As recorded by the reviewer.",
                options=ASQ_ZONES,
                feeds=("asq_below",),
                group=ghv,
                required_when=Condition("progress_check.review_date", is_set=True),
            )
        )
    fields += [
        f("asqse_score", "ASQ:SE-2 score", Kind.NUMBER, minimum=0, maximum=400, step=5, group=ghv),
        f(
            "asqse_zone",
            "ASQ:SE-2 zone",
            Kind.CHOICE,
            options=ASQ_ZONES,
            feeds=("asq_below",),
            group=ghv,
        ),
        f("integrated_review", "Done together as an integrated review", Kind.YESNO, group=ghv),
        f("outcomes_referrals", "Outcomes and referrals made", Kind.NOTE, group=ghv),
    ]
    return build_section(
        "progress_check",
        7,
        "Progress check at two and the 2–2½ year review",
        "Scores and zones exactly as the reviewer gave them.",
        fields,
    )


def _send() -> SectionDef:
    sen = Condition("send.status", any_of=SEND_SUPPORT_OR_ABOVE)
    ehc = Condition("send.status", any_of=("ehc_plan",))
    g_status, g_apdr, g_prof, g_ehc, g_plan = (
        "SEND status",
        "Graduated approach",
        "Professionals involved",
        "EHC plan",
        "Personalised SEND transition plan",
    )
    return build_section(
        "send",
        8,
        "Special educational needs and disabilities",
        "Reviewed and signed off by a SENCO before export.",
        [
            f(
                "status",
                "SEND status",
                Kind.CHOICE,
                required=True,
                options=SEND_STATUS,
                feeds=("send",),
                group=g_status,
            ),
            f(
                "areas_of_need",
                "Broad areas of need",
                Kind.MULTI,
                options=opts(
                    ("communication_interaction", "Communication and interaction"),
                    ("cognition_learning", "Cognition and learning"),
                    ("semh", "Social, emotional and mental health"),
                    ("sensory_physical", "Sensory and/or physical"),
                ),
                required_when=sen,
                group=g_status,
            ),
            f(
                "primary_need",
                "Primary need",
                Kind.CHOICE,
                options=SEN_TYPES,
                required_when=sen,
                group=g_status,
            ),
            f("secondary_need", "Secondary need", Kind.CHOICE, options=SEN_TYPES, group=g_status),
            person("setting_senco", "Setting SENCO", required_when=sen, group=g_status),
            f("inclusion_funding", "Inclusion funding", Kind.YESNO, group=g_status),
            f("daf", "Disability Access Fund", Kind.YESNO, group=g_status),
            f(
                "apdr_cycles",
                "Assess–plan–do–review cycles",
                Kind.LIST,
                required_when=sen,
                group=g_apdr,
                item_fields=(
                    f("assessed", "What was assessed", Kind.NOTE),
                    f("outcomes", "Outcomes sought", Kind.NOTE),
                    f("provision", "Provision put in place", Kind.NOTE),
                    f("delivered_by", "Who delivers it", Kind.TEXT),
                    f("review_date", "Review date", Kind.DATE),
                    f("progress", "Progress made", Kind.NOTE),
                ),
            ),
            f(
                "professionals",
                "Professionals involved",
                Kind.LIST,
                group=g_prof,
                feeds=("waiting_list",),
                item_fields=(
                    person("person", "Person"),
                    f("service", "Service", Kind.TEXT),
                    f(
                        "status",
                        "Status",
                        Kind.CHOICE,
                        options=opts(
                            ("involved", "Involved"),
                            ("discharged", "Discharged"),
                            ("waiting", "On a waiting list"),
                        ),
                    ),
                    f("waiting_since", "On the waiting list since", Kind.DATE),
                ),
            ),
            f(
                "ehc_issued",
                "EHC plan date issued",
                Kind.DATE,
                past_only=True,
                required_when=ehc,
                group=g_ehc,
            ),
            f("ehc_la", "Local authority", Kind.TEXT, required_when=ehc, group=g_ehc),
            f("ehc_caseworker", "Named caseworker", Kind.TEXT, group=g_ehc),
            f("ehc_next_review", "Next annual review", Kind.DATE, required_when=ehc, group=g_ehc),
            f(
                "ehc_request_date",
                "EHC needs assessment request date",
                Kind.DATE,
                past_only=True,
                group=g_ehc,
                required_when=Condition("send.status", any_of=("ehc_assessment",)),
            ),
            f("section23", "Section 23 notification received", Kind.YESNO, group=g_ehc),
            f(
                "section23_date",
                "Section 23 notification date",
                Kind.DATE,
                past_only=True,
                group=g_ehc,
                required_when=Condition("send.section23", any_of=("yes",)),
            ),
            f(
                "plan_coproduced",
                "Co-produced with the parent",
                Kind.YESNO,
                required_when=sen,
                group=g_plan,
            ),
            f(
                "plan_coproduced_date",
                "Date co-produced",
                Kind.DATE,
                past_only=True,
                group=g_plan,
                required_when=Condition("send.plan_coproduced", any_of=("yes",)),
            ),
            f(
                "meeting_date",
                "Transition meeting date",
                Kind.DATE,
                required_when=sen,
                group=g_plan,
            ),
            f("meeting_attendees", "Who attended", Kind.NOTE, group=g_plan),
            f(
                "meeting_actions",
                "Agreed actions",
                Kind.LIST,
                required_when=sen,
                group=g_plan,
                item_fields=(
                    f("action", "Action", Kind.TEXT),
                    f("owner", "Owner", Kind.TEXT),
                    f("due", "Due date", Kind.DATE),
                ),
            ),
            f("extra_visits", "Extra visits", Kind.NOTE, group=g_plan),
            f("reasonable_adjustments", "Reasonable adjustments", Kind.NOTE, group=g_plan),
            f("equipment", "Equipment", Kind.NOTE, group=g_plan),
            f("staff_training", "Training the school's staff need", Kind.NOTE, group=g_plan),
            f("strategies", "Strategies that work", Kind.NOTE, required_when=sen, group=g_plan),
            f("early_warning_signs", "Early warning signs and what to do", Kind.NOTE, group=g_plan),
            f(
                "exclusion_risk",
                "Concern about risk of exclusion and the plan to prevent it",
                Kind.NOTE,
                group=g_plan,
            ),
        ],
    )


def _transition() -> SectionDef:
    return build_section(
        "transition",
        9,
        "Transition arrangements",
        "How the move to school is being prepared.",
        [
            f(
                "visits_planned",
                "Visits planned",
                Kind.NOTE,
                "Child to school, teacher to setting.",
            ),
            f("visits_made", "Visits made", Kind.NOTE),
            f("transition_meeting", "Transition meeting", Kind.DATE),
            f("stay_and_play", "Stay-and-play", Kind.YESNO),
            f("photo_book", "Photo book or social story", Kind.YESNO),
            f("enhanced_transition", "Enhanced transition needed", Kind.YESNO, required=True),
            f(
                "enhanced_why",
                "Why an enhanced transition is needed",
                Kind.NOTE,
                required_when=Condition("transition.enhanced_transition", any_of=("yes",)),
            ),
            f("helps_with_change", "What helps the child with change", Kind.NOTE, required=True),
            person(
                "setting_contact", "Named contact at the setting for the first term", required=True
            ),
        ],
    )


def _summary() -> SectionDef:
    return build_section(
        "summary",
        10,
        "Summary for the Reception teacher",
        "The first page the teacher reads. Flags are worked out from the other sections.",
        [
            f("top_strengths", "Top strengths", Kind.NOTE, required=True),
            f("needs_most", "What the child needs most", Kind.NOTE, required=True),
            f("strategies", "Strategies that work", Kind.NOTE, required=True),
            f("day_one", "One thing to know on day one", Kind.NOTE, required=True),
        ],
    )


def _consent() -> SectionDef:
    g_c, g_s = "Consent", "Sign-off"
    return build_section(
        "consent",
        11,
        "Consent and sign-off",
        "The family knows what is shared and why; the right people have signed.",
        [
            f(
                "parent_informed",
                "Parent or carer informed of the sharing and its lawful basis",
                Kind.YESNO,
                required=True,
                group=g_c,
            ),
            f("consent_given", "Consent given", Kind.YESNO, group=g_c),
            f(
                "consent_by",
                "Given by",
                Kind.TEXT,
                group=g_c,
                required_when=Condition("consent.consent_given", any_of=("yes",)),
            ),
            f(
                "consent_relationship",
                "Relationship to the child",
                Kind.TEXT,
                group=g_c,
                required_when=Condition("consent.consent_given", any_of=("yes",)),
            ),
            f(
                "consent_date",
                "Date of consent",
                Kind.DATE,
                past_only=True,
                group=g_c,
                required_when=Condition("consent.consent_given", any_of=("yes",)),
            ),
            f(
                "consent_method",
                "How consent was given",
                Kind.CHOICE,
                group=g_c,
                options=opts(
                    ("written", "Written"),
                    ("verbal", "Verbal, recorded"),
                    ("electronic", "Electronic"),
                ),
                required_when=Condition("consent.consent_given", any_of=("yes",)),
            ),
            f(
                "consent_scope",
                "Sections consented to",
                Kind.MULTI,
                group=g_c,
                options=opts(
                    ("all", "The whole record"),
                    ("health", "Health, care and independence"),
                    ("send", "Special educational needs and disabilities"),
                ),
                required_when=Condition("consent.consent_given", any_of=("yes",)),
            ),
            f(
                "consent_withdrawn",
                "Consent withdrawn",
                Kind.YESNO,
                "Withdrawal stops any further export.",
                group=g_c,
            ),
            f(
                "consent_withdrawn_date",
                "Date withdrawn",
                Kind.DATE,
                past_only=True,
                group=g_c,
                required_when=Condition("consent.consent_withdrawn", any_of=("yes",)),
            ),
            f(
                "parent_seen_date",
                "Parent has seen the record (date)",
                Kind.DATE,
                past_only=True,
                group=g_s,
            ),
        ],
    )


def _outcome() -> SectionDef:
    fields: list[FieldDef] = [
        f("gld", "Good level of development", Kind.YESNO),
        f("returned_on", "Returned by the school on", Kind.DATE),
    ]
    for area, title, _prime, aspects in AREAS:
        for key, label, _d in aspects:
            fields.append(
                f(
                    f"elg_{area}_{key}",
                    label,
                    Kind.CHOICE,
                    group=title,
                    options=opts(("expected", "Expected"), ("emerging", "Emerging")),
                )
            )
    return build_section(
        "outcome",
        12,
        "Outcome returned by the school",
        "Filled in from the school's end-of-Reception return, not by the setting.",
        fields,
    )


def build() -> Framework:
    return build_framework(
        FRAMEWORK_ID,
        1,
        "School readiness framework",
        [
            _child(),
            _about_me(),
            _family(),
            _health(),
            _learning_characteristics(),
            _learning(),
            _progress_check(),
            _send(),
            _transition(),
            _summary(),
            _consent(),
            _outcome(),
        ],
    )
