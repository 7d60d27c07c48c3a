"""Read a received record (read-only), laid out from the framework like the PDF.

Opening it is "reading" it: the school service notes who first read each record and when, and the
receipt to the setting says so. A second tab shows the PDF exactly as it arrived (decrypted in
memory, never written out) and can save the signed file as received.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.flags import derive_flags
from models.framework.definition import Kind
from models.framework.registry import get_framework
from models.record import Record
from models.values import display_value
from ui.dialogs import plain_error
from ui.pdf_pages import PagePreview
from ui.workers import run_in_background


def tr(text: str) -> str:
    return QCoreApplication.translate("record_view", text)


def record_html(record: Record) -> str:
    """The record as simple HTML: flags first, then each section's filled fields and lists."""
    fw = get_framework(record.framework_id, record.framework_version)
    esc = html.escape
    parts = [f"<h1>{esc(record.display_name)}</h1>"]
    badges = derive_flags(record).badges()
    if badges:
        parts.append("<p><b>" + esc(tr("Flags")) + ":</b> " + esc(" · ".join(badges)) + "</p>")
    for section in fw.sections:
        rows = []
        for fd in section.fields:
            value = record.get(fd.path)
            if value is None or fd.guard is not None:  # safeguarding detail never shows
                continue
            if fd.kind is Kind.LIST:
                entries = []
                for item in value:
                    cells = [
                        f"{esc(sub.label)}: {esc(display_value(sub, item.get(sub.key)))}"
                        for sub in fd.item_fields
                        if item.get(sub.key) is not None
                    ]
                    entries.append("<li>" + "; ".join(cells) + "</li>")
                text = "<ul>" + "".join(entries) + "</ul>"
            else:
                text = esc(display_value(fd, value)).replace("\n", "<br>")
            rows.append(
                f"<tr><td valign='top' width='35%'><i>{esc(fd.label)}</i></td><td>{text}</td></tr>"
            )
        if rows:
            parts.append(f"<h2>{section.number}. {esc(section.title)}</h2>")
            parts.append("<table cellspacing='4'>" + "".join(rows) + "</table>")
    return "".join(parts)


class ReceivedFile(Protocol):
    """What the dialog needs from the school session to show and save the received PDF."""

    def received_packets(self, record_id: str) -> list[tuple[str, str, str]]: ...

    def received_pages(
        self, record_id: str, scale: float, packet: str | None = None
    ) -> list[Any]: ...

    def save_received_file(self, record_id: str, path: Path, packet: str | None = None) -> None: ...


def provenance_text(prov: Any) -> str:
    """One calm paragraph: who sent it, who signed it, whether the LA vouches for them."""
    if prov is None:
        return ""
    signed = (prov.signed_at or "")[:10]
    who = tr("Version {v} from {setting}, signed by {signer} on {date}.").format(
        v=prov.export_version,
        setting=prov.setting_name or prov.organisation,
        signer=prov.signer,
        date=signed,
    )
    trust = (
        tr("The signature was checked on import: the certificate was issued by your LA.")
        if prov.vouched
        else tr("The signature was checked on import; the signer is not vouched for by your LA.")
    )
    parts = [who, trust]
    if getattr(prov, "release_note", ""):
        parts.append(prov.release_note)
    return " ".join(parts)


class RecordViewDialog(QDialog):
    """A received record: the record laid out from the framework, and the PDF as received."""

    def __init__(
        self,
        record: Record,
        parent: QWidget | None = None,
        *,
        provenance: Any = None,
        files: ReceivedFile | None = None,
    ) -> None:
        super().__init__(parent)
        self._record_id = record.id
        self._files = files
        self._provenance = provenance
        self._pages_loaded = False
        self.setWindowTitle(tr("{name} (read-only)").format(name=record.display_name))
        self.source = QLabel(provenance_text(provenance), self)
        self.source.setWordWrap(True)
        self.source.setAccessibleName(tr("Where this record came from"))
        self.source.setVisible(bool(self.source.text()))
        self.browser = QTextBrowser(self)
        self.browser.setAccessibleName(tr("Record"))
        self.browser.setHtml(record_html(record))
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.browser, tr("&Record"))
        self.pages = PagePreview(self)
        self.pages.setAccessibleName(tr("The PDF as received"))
        self.save_button = QPushButton(tr("&Save the file as received…"), self)
        self.save_button.setToolTip(
            tr("Writes the signed file exactly as it arrived (still encrypted if it was).")
        )
        self.page_label = QLabel(self)
        self.pages.page_changed.connect(
            lambda page, total: self.page_label.setText(
                tr("Page {x} of {y}").format(x=page, y=total) if total else ""
            )
        )
        self.packet = QComboBox(self)
        self.packet.setAccessibleName(tr("Packet"))
        packets = files.received_packets(record.id) if files is not None else []
        self._file_names = {key or None: file_name for key, _label, file_name in packets}
        for key, label, file_name in packets:
            self.packet.addItem(
                tr("{label} ({file})").format(label=label, file=file_name), key or None
            )
        self.packet.currentIndexChanged.connect(lambda _i: self.load_pages())
        packet_label = QLabel(tr("Pac&ket:"), self)
        packet_label.setBuddy(self.packet)
        packet_row = QHBoxLayout()
        packet_row.addWidget(packet_label)
        packet_row.addWidget(self.packet, 1)
        pdf_tab = QWidget(self)
        pdf_lay = QVBoxLayout(pdf_tab)
        pdf_lay.setContentsMargins(0, 0, 0, 0)
        if len(packets) > 1:  # the teacher's and the SENCO's
            pdf_lay.addLayout(packet_row)
        else:
            packet_label.hide()
            self.packet.hide()
        pdf_lay.addWidget(self.pages, 1)
        row = QHBoxLayout()
        row.addWidget(self.page_label, 1)
        row.addWidget(self.save_button)
        pdf_lay.addLayout(row)
        if files is not None:
            self.tabs.addTab(pdf_tab, tr("&PDF as received"))
        else:
            pdf_tab.hide()
        self.tabs.currentChanged.connect(self._tab_changed)
        self.save_button.clicked.connect(self._save)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.source)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.resize(860, 700)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is not self.browser and not self._pages_loaded:
            self.load_pages()

    def load_pages(self) -> None:
        """Draw the received PDF's pages in the background (decrypting happens in memory)."""
        files = self._files
        if files is None:
            return
        self._pages_loaded = True
        self.pages.set_message(tr("Drawing the pages…"))
        width = max(self.pages.viewport().width(), 560) - 40
        scale = max(0.8, min(width / 595.0, 1.6))
        record_id = self._record_id
        packet = self.packet.currentData()
        run_in_background(
            lambda: files.received_pages(record_id, scale, packet),
            self.pages.set_pages,
            lambda exc: self.pages.set_message(plain_error(exc)),
            owner=self.pages,
        )

    def _save(self) -> None:
        if self._files is None:
            return
        suggested = self._file_names.get(self.packet.currentData()) or "record.pdf"
        path, _filter = QFileDialog.getSaveFileName(
            self, tr("Save the file as received"), suggested, tr("PDF files (*.pdf)")
        )
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        assert self._files is not None
        try:
            self._files.save_received_file(self._record_id, path, self.packet.currentData())
        except TransitionsError as exc:
            self.message.setText(str(exc))
        else:
            self.message.setText(tr("Saved the file as received to {path}.").format(path=str(path)))
        self.message.show()
