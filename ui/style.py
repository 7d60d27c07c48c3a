"""The window's look: Fusion with a light, calm palette and a few named styles."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

STYLE_SHEET = """
QLabel#pageTitle { font-size: 15pt; font-weight: 600; color: #1f3b57; }
QLabel#sectionTitle { font-size: 14pt; font-weight: 600; color: #1f3b57; }
QLabel#groupTitle { font-size: 11pt; font-weight: 600; color: #1f3b57; margin-top: 14px;
                    padding: 0 0 2px 0; border: none; border-bottom: 1px solid #d5dde6; }
QLabel#subLabel { color: #5b6673; }
QLabel#allDone { color: #1e6b3a; }
QLabel#fieldLabel { font-weight: 600; color: #23303d; }
QLabel#helpText { color: #5b6673; }
QLabel#fieldError { color: #a4262c; }
QLabel#childName { font-size: 15pt; font-weight: 600; color: #1f3b57; }
QLabel#saveState { color: #5b6673; }
QLabel#statusLine { color: #33414e; }
QLabel#countLine { color: #33414e; }
QLabel#panelTitle { font-weight: 600; color: #1f3b57; }
QLabel#entryTitle { font-weight: 600; color: #33414e; }
QFrame#editorHeader { background: #f4f7fa; border-bottom: 1px solid #d5dde6; }
QFrame#messageBar { background: #e8f1fb; border-bottom: 1px solid #b9d3ee; }
QFrame#messageBar[kind="warning"] { background: #fff4ce; border-bottom: 1px solid #e8d28a; }
QFrame#listEntry { background: #fafbfc; border: 1px solid #d5dde6; border-radius: 4px; }
QWidget#lockScreen { background: #eef2f6; }
QWidget#lockBox { background: white; border: 1px solid #d5dde6; border-radius: 6px; }
QTreeWidget#missingList::item { padding: 1px 0; }
"""


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f6f8fa"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2f6db5"))
    palette.setColor(QPalette.ColorRole.Button, QColor("#f1f3f5"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
