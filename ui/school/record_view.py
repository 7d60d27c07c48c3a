"""Read a received record (read-only), laid out from the framework like the PDF.

Opening it is "reading" it: the school service notes who first read each record and when, and the
receipt to the setting says so.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from models.flags import derive_flags
from models.framework.definition import Kind
from models.framework.registry import get_framework
from models.record import Record
from models.values import display_value


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
            rows.append(f"<tr><td valign='top' width='35%'><i>{esc(fd.label)}</i></td><td>{text}</td></tr>")
        if rows:
            parts.append(f"<h2>{section.number}. {esc(section.title)}</h2>")
            parts.append("<table cellspacing='4'>" + "".join(rows) + "</table>")
    return "".join(parts)


class RecordViewDialog(QDialog):
    def __init__(self, record: Record, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("{name} (read-only)").format(name=record.display_name))
        self.browser = QTextBrowser(self)
        self.browser.setAccessibleName(tr("Record"))
        self.browser.setHtml(record_html(record))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser, 1)
        lay.addWidget(buttons)
        self.resize(820, 640)
