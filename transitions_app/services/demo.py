"""The demo vault: synthetic, obviously fictional children so anyone can try the app at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from models.record import Record, SignOffScope
from models.roles import Role
from models.synthetic import generate_records
from models.vault import KdfParams
from transitions_app.services.vault_service import VaultService

DEMO_PASSWORD = "demo-password"
DEMO_USERS: tuple[tuple[str, Role], ...] = (
    ("keyperson", Role.PRACTITIONER),
    ("senco", Role.SENCO),
    ("dsl", Role.DSL),
)
DEMO_MARKER = "demo.txt"


@dataclass(frozen=True)
class DemoInfo:
    directory: Path
    password: str
    created: bool
    children: int = 0


def is_demo_vault(directory: Path) -> bool:
    return (directory / DEMO_MARKER).exists()


def create_demo_vault(
    directory: Path,
    *,
    password: str = DEMO_PASSWORD,
    children: int = 38,
    seed: int = 1,
    today: date | None = None,
    kdf: KdfParams | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoInfo:
    """Create a vault with users manager, keyperson, senco and dsl (all sharing ``password``)
    holding ``children`` synthetic records, set up under the first example charter when the
    example charters are installed."""
    # A demo made for a given day (tests, screenshots) is made as if on that day: its audit
    # entries and sign-offs are dated then, not on the real day it was built.
    clock = _morning_of(today) if today is not None else None
    today = today or date.today()
    service, _recovery = VaultService.create(directory, "manager", password, kdf=kdf, clock=clock)
    try:
        for name, role in DEMO_USERS:
            service.add_user(name, role, password)
        records = generate_records(children, seed=seed, today=today)
        for n, record in enumerate(records, start=1):
            service.import_record(record)
            if progress:
                progress(n, len(records))
        install_example_charter_if_shipped(service)
        save_demo_profile(service)
    finally:
        service.close()
    _sign_off_some(directory, password, records, clock)
    (directory / DEMO_MARKER).write_text(
        "This vault holds synthetic, fictional children for trying Transitions.\n"
        f"Users: manager, keyperson, senco, dsl. Password: {password}\n",
        encoding="utf-8",
    )
    return DemoInfo(directory, password, True, children)


def _morning_of(day: date) -> Callable[[], datetime]:
    return lambda: datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _sign_off_some(
    directory: Path,
    password: str,
    records: list[Record],
    clock: Callable[[], datetime] | None = None,
) -> None:
    """Two in three records that are complete under the charter get signed off by the key person,
    the SENCO (where SEND support is recorded) and the manager, so the demo shows every workflow
    state and can export at once; the rest stay drafts. The sign-offs go through the same rules as
    anyone's (a record that is not complete is never signed)."""
    from models.errors import SignOffRefused
    from models.flags import derive_flags

    steps: tuple[tuple[str, SignOffScope, Callable[[Record], bool]], ...] = (
        ("keyperson", SignOffScope.RECORD, lambda r: True),
        ("senco", SignOffScope.SEND, lambda r: derive_flags(r).send),
        ("manager", SignOffScope.MANAGER, lambda r: True),
    )
    chosen: list[Record] = []
    for user, scope, applies in steps:
        session = VaultService.open(directory, user, password, clock=clock)
        try:
            charter = session.charter()
            if not chosen:
                chosen = [
                    r
                    for n, r in enumerate(records)
                    if n % 3 != 2
                    and not session.readiness(r, charter).stopping(SignOffScope.RECORD)
                ]
            for record in chosen:
                if applies(record):
                    try:
                        session.sign_off(record.id, scope.value, charter=charter)
                    except SignOffRefused:
                        continue
        finally:
            session.close()


def install_example_charter_if_shipped(service: VaultService) -> None:
    """The Northshire example charter (and the demo setting certificate), when it is shipped."""
    try:
        from transitions_app.services.charter_service import install_example_charter
    except ImportError:  # the charter service is optional for the demo
        return
    install_example_charter(service)


def save_demo_profile(service: VaultService) -> None:
    """The demo setting's profile, so New child starts pre-filled as in a real setting."""
    from models.setting_profile import Contact, SchoolContact, SettingProfile, StaffMember
    from models.synthetic import SETTING
    from transitions_app.services.profile_service import ProfileService

    ProfileService(service).save(
        SettingProfile(
            name=SETTING[0],
            urn=SETTING[1],
            setting_type="group",
            address="1 Acorn Way, Northshire (fictional)",
            phone="01632 960000",
            email="office@little-acorns.example",
            senco=Contact("Robin Inclusionworth", "01632 960001"),
            dsl=Contact("Dana Safekeeper", "01632 960002"),
            manager=Contact("Morgan Oakley", "01632 960003"),
            school_contact=SchoolContact.KEY_PERSON,
            staff=(
                StaffMember("manager", "Morgan Oakley", "Nursery manager"),
                StaffMember("keyperson", "Sam Keyworth", "Key person"),
                StaffMember("senco", "Robin Inclusionworth", "SENCO"),
                StaffMember("dsl", "Dana Safekeeper", "Deputy manager and DSL"),
            ),
        )
    )


def ensure_demo_vault(directory: Path, **kwargs: object) -> DemoInfo:
    if VaultService.exists(directory):
        return DemoInfo(directory, DEMO_PASSWORD, False)
    return create_demo_vault(directory, **kwargs)  # type: ignore[arg-type]
