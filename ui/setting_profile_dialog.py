"""Setting ▸ Setting profile…: what the setting says about itself once, edited by a manager.

Every new record starts with the setting's name, Ofsted URN and type, the key person's
organisation and contact, and the named contact for the school filled in from here; staff display
names and job titles are what sign-offs and the PDF print. Others can read the profile; only a
manager's save is accepted (the service enforces it). "Fill in from the LA" takes the setting's
name and URN from its LA-issued certificate and the local authority from the charter, in the
background (opening the certificate derives a key), and never overwrites what is written.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.framework.registry import current_framework
from models.setting_profile import Contact, SchoolContact, SettingProfile, StaffMember
from ui.dialogs import plain_error
from ui.workers import run_in_background

CONTACT_LABELS = {
    SchoolContact.KEY_PERSON: "The child's key person",
    SchoolContact.MANAGER: "The manager",
    SchoolContact.SENCO: "The SENCO",
    SchoolContact.DSL: "The designated safeguarding lead",
}
PEOPLE = (("senco", "SENCO"), ("dsl", "Designated safeguarding lead"), ("manager", "Manager"))


def tr(text: str) -> str:
    return QCoreApplication.translate("profile", text)


class ProfileSource(Protocol):
    """What the dialog needs (``transitions_app.services.profile_service.ProfileService`` fits)."""

    def profile(self) -> SettingProfile: ...

    def suggested(self) -> SettingProfile: ...

    def can_edit(self) -> bool: ...

    def staff(self) -> list[Any]: ...

    def save(self, profile: SettingProfile) -> SettingProfile: ...


class SettingProfileDialog(QDialog):
    LOGIN, ROLE, DISPLAY, TITLE = range(4)

    def __init__(self, service: ProfileSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Setting profile"))
        self.setObjectName("settingProfileDialog")
        self._service = service
        self.saved: SettingProfile | None = None
        editable = service.can_edit()

        intro = QLabel(
            tr(
                "Written once, used by every new record: the setting's details, the key person's "
                "organisation and contact, and the named contact for the school are filled in "
                "from here. Staff names are what sign-offs and the PDF show."
            ),
            self,
        )
        intro.setWordWrap(True)
        intro.setObjectName("helpText")

        # --- the setting
        setting = QWidget(self)
        form = QFormLayout(setting)
        self.name = self._line(tr("Setting name"))
        self.urn = self._line(tr("Ofsted URN"))
        self.setting_type = QComboBox(self)
        self.setting_type.setAccessibleName(tr("Type of setting"))
        self.setting_type.addItem(tr("Not chosen"), "")
        for opt in current_framework().field("child.setting_type").options:
            self.setting_type.addItem(QCoreApplication.translate("framework", opt.label), opt.value)
        self.address = QPlainTextEdit(self)
        self.address.setAccessibleName(tr("Address"))
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(64)
        self.phone = self._line(tr("Phone"))
        self.email = self._line(tr("Email"))
        self.local_authority = self._line(tr("Local authority"))
        for label, widget in (
            (tr("Setting &name:"), self.name),
            (tr("Ofsted &URN:"), self.urn),
            (tr("&Type of setting:"), self.setting_type),
            (tr("&Address:"), self.address),
            (tr("&Phone:"), self.phone),
            (tr("&Email:"), self.email),
            (tr("&Local authority:"), self.local_authority),
        ):
            form.addRow(label, widget)
        self.fill_button = QPushButton(tr("&Fill in from the LA certificate and charter"), self)
        self.fill_button.setToolTip(
            tr(
                "Takes the name and URN from the setting's certificate and the LA from the charter; "
                "nothing you have written is replaced."
            )
        )
        self.fill_button.clicked.connect(self.fill_from_la)
        form.addRow("", self.fill_button)

        # --- people
        people = QWidget(self)
        grid = QGridLayout(people)
        for col, head in enumerate((tr("Name"), tr("Phone"), tr("Email")), start=1):
            heading = QLabel(f"<b>{head}</b>", people)
            grid.addWidget(heading, 0, col)
        self.people: dict[str, tuple[QLineEdit, QLineEdit, QLineEdit]] = {}
        for row, (key, label) in enumerate(PEOPLE, start=1):
            title = tr(label)
            edits = (
                self._line(tr("{who}: name").format(who=title)),
                self._line(tr("{who}: phone").format(who=title)),
                self._line(tr("{who}: email").format(who=title)),
            )
            row_label = QLabel(title, people)
            row_label.setBuddy(edits[0])
            grid.addWidget(row_label, row, 0)
            for col, edit in enumerate(edits, start=1):
                grid.addWidget(edit, row, col)
            self.people[key] = edits
        self.school_contact = QComboBox(self)
        self.school_contact.setAccessibleName(tr("Named contact for the school"))
        for who, label in CONTACT_LABELS.items():
            self.school_contact.addItem(tr(label), who.value)
        contact_label = QLabel(
            tr("Named &contact for the school's questions in the first term:"), people
        )
        contact_label.setBuddy(self.school_contact)
        contact_label.setWordWrap(True)
        grid.addWidget(contact_label, len(PEOPLE) + 1, 0, 1, 2)
        grid.addWidget(self.school_contact, len(PEOPLE) + 1, 2, 1, 2)
        grid.setRowStretch(len(PEOPLE) + 2, 1)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(3, 2)

        # --- staff
        staff = QWidget(self)
        sl = QVBoxLayout(staff)
        staff_note = QLabel(
            tr(
                "How each login is named on sign-offs and the exported PDF, and their job title "
                "(the key person's role on new records)."
            ),
            staff,
        )
        staff_note.setWordWrap(True)
        staff_note.setObjectName("helpText")
        self.staff_table = QTableWidget(0, 4, staff)
        self.staff_table.setAccessibleName(tr("Staff names"))
        self.staff_table.setHorizontalHeaderLabels(
            [tr("Login"), tr("Role"), tr("Display name"), tr("Job title")]
        )
        self.staff_table.verticalHeader().setVisible(False)
        header = self.staff_table.horizontalHeader()
        header.setSectionResizeMode(self.DISPLAY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(self.TITLE, QHeaderView.ResizeMode.Stretch)
        self.staff_table.setColumnWidth(self.LOGIN, 120)
        self.staff_table.setColumnWidth(self.ROLE, 190)
        sl.addWidget(staff_note)
        sl.addWidget(self.staff_table, 1)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(setting, tr("The &setting"))
        self.tabs.addTab(people, tr("&People"))
        self.tabs.addTab(staff, tr("Staff &names"))

        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setAccessibleName(tr("Message"))
        self.note.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.note)
        lay.addWidget(self.buttons)
        self.resize(760, 520)

        try:
            profile = service.profile()
            rows = service.staff()
        except TransitionsError as exc:
            profile, rows = SettingProfile(), []
            self._say(plain_error(exc), warning=True)
        self._fill(profile)
        self._fill_staff(profile, rows)
        if not editable:
            self._read_only()
        elif profile.is_empty():
            self.fill_from_la()
        self.name.setFocus()

    def _line(self, accessible: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(accessible)
        return edit

    def _say(self, text: str, *, warning: bool = False) -> None:
        self.note.setText(text)
        self.note.setObjectName("fieldError" if warning else "helpText")
        self.note.style().unpolish(self.note)
        self.note.style().polish(self.note)
        self.note.show()

    def _read_only(self) -> None:
        for widget in self.findChildren(QLineEdit):
            widget.setReadOnly(True)
        self.address.setReadOnly(True)
        for combo in (self.setting_type, self.school_contact):
            combo.setEnabled(False)
        self.staff_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.fill_button.hide()
        self.save_button.hide()
        self._say(
            tr("Only a manager can change the setting profile; ask them if something is wrong.")
        )

    # --- filling and reading the form ------------------------------------------------------------

    def _fill(self, profile: SettingProfile) -> None:
        for edit, text in (
            (self.name, profile.name),
            (self.urn, profile.urn),
            (self.phone, profile.phone),
            (self.email, profile.email),
            (self.local_authority, profile.local_authority),
        ):
            edit.setText(text)
        self.address.setPlainText(profile.address)
        self.setting_type.setCurrentIndex(max(self.setting_type.findData(profile.setting_type), 0))
        for key, (name, phone, email) in self.people.items():
            contact: Contact = getattr(profile, key)
            name.setText(contact.name)
            phone.setText(contact.phone)
            email.setText(contact.email)
        self.school_contact.setCurrentIndex(
            max(self.school_contact.findData(profile.school_contact.value), 0)
        )

    def _fill_staff(self, profile: SettingProfile, rows: list[Any]) -> None:
        self.staff_table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            for col, text, editable in (
                (self.LOGIN, row.login, False),
                (self.ROLE, row.role.label, False),
                (self.DISPLAY, row.display_name, True),
                (self.TITLE, row.job_title, True),
            ):
                item = QTableWidgetItem(text)
                if not editable:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.staff_table.setItem(n, col, item)

    def _cell(self, row: int, col: int) -> str:
        item = self.staff_table.item(row, col)
        return item.text() if item is not None else ""

    def profile(self) -> SettingProfile:
        """The profile as the form shows it."""
        contacts = {
            key: Contact(name.text().strip(), phone.text().strip(), email.text().strip())
            for key, (name, phone, email) in self.people.items()
        }
        staff = []
        for n in range(self.staff_table.rowCount()):
            login = self._cell(n, self.LOGIN)
            display = self._cell(n, self.DISPLAY).strip()
            title = self._cell(n, self.TITLE).strip()
            if display or title:
                staff.append(StaffMember(login, display, title))
        return SettingProfile(
            name=self.name.text().strip(),
            urn=self.urn.text().strip(),
            setting_type=str(self.setting_type.currentData() or ""),
            address=self.address.toPlainText().strip(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            local_authority=self.local_authority.text().strip(),
            senco=contacts["senco"],
            dsl=contacts["dsl"],
            manager=contacts["manager"],
            school_contact=SchoolContact(self.school_contact.currentData()),
            staff=tuple(staff),
        )

    # --- actions ---------------------------------------------------------------------------------

    def fill_from_la(self) -> None:
        """Fill empty boxes from the LA certificate and the charter, in the background."""
        self.fill_button.setEnabled(False)
        self._say(tr("Looking at the setting's certificate and the charter…"))
        service = self._service
        run_in_background(service.suggested, self._suggested, self._suggest_failed, owner=self)

    def _suggested(self, suggestion: SettingProfile) -> None:
        self.fill_button.setEnabled(True)
        current = self.profile()
        filled = []
        changes = {}
        for key, label in (
            ("name", tr("name")),
            ("urn", tr("URN")),
            ("local_authority", tr("local authority")),
        ):
            if not getattr(current, key) and getattr(suggestion, key):
                changes[key] = getattr(suggestion, key)
                filled.append(label)
        if changes:
            merged = replace(current, **changes)
            self._fill(merged)
            self._say(
                tr("Filled in from the LA: {what}. Check them, then save.").format(
                    what=", ".join(filled)
                )
            )
        else:
            self._say(tr("Nothing to fill in from the LA's certificate or charter."))

    def _suggest_failed(self, exc: BaseException) -> None:
        self.fill_button.setEnabled(True)
        self._say(plain_error(exc), warning=True)

    def save(self) -> None:
        try:
            self.saved = self._service.save(self.profile())
        except TransitionsError as exc:
            self._say(plain_error(exc), warning=True)
            return
        self.accept()
