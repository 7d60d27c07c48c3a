"""Render and sign, as the export pipeline does, with the signer loaded once per process.

The steps and their order are those of :func:`export.pipeline.build_packet` (render a tagged PDF/A
file with the record JSON embedded and the signature field's stamp, then sign); only the PKCS#12
file is opened once per worker instead of once per packet.
Module-level functions, so a ``spawn`` process pool can import them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from export.render import RenderOptions, render_record_pdf
from export.sign import SignerCredentials, load_signer, sign_pdf
from export.stamp import SignatureLabel
from models.interchange import record_from_bytes
from models.record import Record

REPO = Path(__file__).resolve().parent.parent
CHARTER = REPO / "charters" / "northshire"
P12_FILE = CHARTER / "little-acorns-nursery.p12"
P12_PASSPHRASE = "demo-setting-passphrase"
LA_CA_DIR = CHARTER / "la-ca"
CRL_FILE = CHARTER / "crl.pem"
SIGNER_NAME = "Sam Keyworth"
SIGNER_ROLE = "Practitioner / key person"
ORGANISATION = "Little Acorns Nursery (fictional)"
HANDLING_NOTE = "OFFICIAL-SENSITIVE. Fictional benchmark record: not a real child."


@dataclass(frozen=True, slots=True)
class ExportSettings:
    generated_on: datetime
    packet: str = "teacher"


def load_demo_signer() -> SignerCredentials:
    return load_signer(P12_FILE.read_bytes(), P12_PASSPHRASE)


def label(when: datetime) -> SignatureLabel:
    return SignatureLabel(SIGNER_NAME, SIGNER_ROLE, ORGANISATION, when.date())


def render(record: Record, settings: ExportSettings, record_json: bytes = b"") -> bytes:
    """The packet as export renders it: tagged PDF/A-4f with the JSON and the unsigned stamp."""
    options = RenderOptions(
        handling_note=HANDLING_NOTE,
        packet=settings.packet,
        generated_on=settings.generated_on,
        setting_dsl_contact="Alex Carewell, 01632 960000 (fictional)",
        record_json=record_json,
        signature=label(settings.generated_on),
    )
    return render_record_pdf(record, options)


def sign(pdf: bytes, creds: SignerCredentials, when: datetime) -> bytes:
    return sign_pdf(
        pdf,
        creds.key,
        creds.cert,
        creds.chain,
        signer_name=SIGNER_NAME,
        organisation=ORGANISATION,
        signing_time=when,
        reason=label(when).sentence,
    )


def export_record(
    record: Record, record_json: bytes, creds: SignerCredentials, settings: ExportSettings
) -> bytes:
    return sign(render(record, settings, record_json), creds, settings.generated_on)


_worker_creds: SignerCredentials | None = None


def init_worker() -> None:
    """Process-pool initializer: open the setting's PKCS#12 file once for this worker."""
    global _worker_creds
    _worker_creds = load_demo_signer()


def ready(_n: int) -> bool:
    """A no-op job: returns once this worker has started and loaded the signer."""
    return _worker_creds is not None


def export_to_file(record_json: bytes, out: str, settings: ExportSettings) -> int:
    """One packet of the batch, written to ``out``; returns its size."""
    if _worker_creds is None:
        init_worker()
    assert _worker_creds is not None
    record = record_from_bytes(record_json)
    data = export_record(record, record_json, _worker_creds, settings)
    Path(out).write_bytes(data)
    return len(data)
