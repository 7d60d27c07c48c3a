"""What every part of the school's service holds: the open vault, the school's store of received
files and signed documents, its trust settings and the clock (see ``school_service``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from transitions_app.services.school_store import SchoolStore
from transitions_app.services.school_trust import SchoolTrust
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]


class SchoolPart:
    """A part of the school's service over one vault session (intake, outcomes, receipts)."""

    def __init__(
        self, vault: VaultService, store: SchoolStore, trust: SchoolTrust, clock: Clock
    ) -> None:
        self._vault = vault
        self._store = store
        self._trust = trust
        self._clock = clock
