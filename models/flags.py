"""Summary flags derived from the record's sections: never typed twice.

The fields a flag reads are the ones the framework marks with ``feeds``.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.framework.definition import Kind, is_empty
from models.framework.registry import get_framework
from models.framework.v1 import NOT_ON_TRACK, SEND_SUPPORT_OR_ABOVE
from models.record import Record

ENGLISH = {"english", "en", "eng"}
NONE_WORDS = {"none", "none known", "no", "n/a", "na", "nil", "nothing known", "-"}


@dataclass(frozen=True, slots=True)
class Flags:
    send_status: str | None  # option value
    send_label: str
    eal: bool
    prime_not_on_track: tuple[str, ...]  # aspect labels
    asq_below: tuple[
        str, ...
    ]  # ASQ domains below cut-off and prime areas with less than expected progress
    waiting_list: tuple[str, ...]  # services the child is waiting for
    medical: bool
    dsl_to_dsl: bool
    boy: bool
    fsm: bool

    @property
    def send(self) -> bool:
        return self.send_status in SEND_SUPPORT_OR_ABOVE

    @property
    def not_yet_meeting_expected(self) -> bool:
        return bool(self.asq_below or self.prime_not_on_track)

    def badges(self) -> list[str]:
        """Short labels for the dashboard and the front sheet, most important first."""
        out: list[str] = []
        if self.dsl_to_dsl:
            out.append("DSL to DSL")
        if self.send_status not in (None, "none"):
            out.append(self.send_label)
        if self.medical:
            out.append("Medical")
        if self.eal:
            out.append("EAL")
        if self.prime_not_on_track:
            out.append(f"Prime areas: {len(self.prime_not_on_track)} not on track")
        if self.asq_below:
            out.append("ASQ below cut-off")
        if self.waiting_list:
            out.append("Waiting list")
        return out


def language_names(text: str) -> list[str]:
    """The languages a home-language answer names, lower case: "Polish, English" and
    "Polish and English" are ["polish", "english"]."""
    parts = text.replace(";", ",").replace(" and ", ",").split(",")
    return [name for name in (part.strip().lower() for part in parts) if name]


def languages_suggest_eal(text: str) -> bool:
    return any(lang not in ENGLISH for lang in language_names(text))


EAL_PATH = "child.eal"
HOME_LANGUAGES_PATH = "child.home_languages"


def derived_eal(record: Record) -> str | None:
    """ "yes" or "no" as the home languages say (any language other than English), or None when
    no language is recorded. A person's own choice in ``child.eal`` overrides it."""
    languages = record.get(HOME_LANGUAGES_PATH)
    if not isinstance(languages, str) or not languages.strip():
        return None
    return "yes" if languages_suggest_eal(languages) else "no"


def shown_value(record: Record, path: str) -> object:
    """The value to show for ``path``: what was entered, or for a value worked out from other
    answers (EAL from the home languages) the worked-out value until a person overrides it."""
    value = record.get(path)
    if value is None and path == EAL_PATH:
        return derived_eal(record)
    return value


def _meaningful(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower().rstrip(".") not in NONE_WORDS and bool(value.strip())
    return not is_empty(value) and value is not False


def derive_flags(record: Record) -> Flags:
    fw = get_framework(record.framework_id, record.framework_version)
    status = record.get("send.status")
    send_label = (
        fw.field("send.status").option_label(status) if status else "SEND status not recorded"
    )

    eal_value = record.get(EAL_PATH)
    eal = eal_value == "yes" if eal_value in ("yes", "no") else derived_eal(record) == "yes"

    prime = tuple(
        fd.label
        for fd in fw.fields_feeding("prime_not_on_track")
        if fd.kind is Kind.SCALE and record.get(fd.path) in NOT_ON_TRACK
    )
    asq: list[str] = []
    for fd in fw.fields_feeding("asq_below"):
        value = record.get(fd.path)
        if fd.kind is Kind.CHOICE and value == "below":
            asq.append(fd.label.replace(" zone", ""))
        elif fd.kind is Kind.YESNO and value is True:
            asq.append(fd.label)

    waiting: list[str] = []
    for fd in fw.fields_feeding("waiting_list"):
        for item in record.get(fd.path) or ():
            if item.get("status") == "waiting":
                waiting.append(item.get("service") or "a specialist service")

    medical = any(_meaningful(record.get(fd.path)) for fd in fw.fields_feeding("medical"))
    return Flags(
        send_status=status,
        send_label=send_label,
        eal=eal,
        prime_not_on_track=prime,
        asq_below=tuple(asq),
        waiting_list=tuple(waiting),
        medical=medical,
        dsl_to_dsl=record.get("child.cin_cp") == "yes",
        boy=record.get("child.sex") == "male",
        fsm=record.get("child.fsm_eypp") == "yes",
    )
