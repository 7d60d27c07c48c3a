"""The spell check in the editor's text fields: a red wavy underline under misspelt words (a
:class:`QSyntaxHighlighter` in note fields, :class:`LineUnderliner` in one-line fields), and the
word under the pointer for the context menu (:mod:`ui.text_menu`), which offers corrections.

The dictionary is loaded off the UI thread the first time a field needs it; until then nothing is
underlined, and the fields are underlined as soon as it arrives. A highlighter checks only the
paragraph that changed, and the checker caches its answer per word, so typing stays quick.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal
from PySide6.QtGui import QColor, QInputMethodEvent, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

from models.spelling import Span
from ui.service import SpellingLike
from ui.workers import run_in_background

MISSPELT_COLOUR = "#d00000"


def tr(text: str) -> str:
    return QCoreApplication.translate("spellcheck", text)


def to_qt(text: str, index: int) -> int:
    """A position in a Python string as Qt counts it (UTF-16 code units)."""
    if text.isascii():
        return index
    return len(text[:index].encode("utf-16-le")) // 2


def from_qt(text: str, position: int) -> int:
    """A Qt (UTF-16) position in ``text`` as a Python string index."""
    if text.isascii():
        return position
    units = 0
    for i, ch in enumerate(text):
        if units >= position:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


class SpellingSupport(QObject):
    """One editor's spell check: the service, and its loading off the UI thread."""

    ready = Signal()  # the dictionary arrived: underline again
    words_changed = Signal()  # a word was added to the setting's dictionary: underline again

    def __init__(self, service: SpellingLike, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._loading = False
        self.problem: str | None = None  # why the dictionary could not be loaded

    def is_ready(self) -> bool:
        return self.service.ready()

    def request(self) -> None:
        """Start loading the dictionary unless it is loaded or on its way (or failed)."""
        if self._loading or self.problem is not None or self.service.ready():
            return
        self._loading = True
        run_in_background(self.service.load, self._loaded, self._failed, owner=self)

    def _loaded(self, _name: object) -> None:
        self._loading = False
        self.ready.emit()

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.problem = str(exc) or type(exc).__name__

    def misspelt(self, text: str, *, prose: bool = True) -> list[Span]:
        return self.service.misspelt(text, prose=prose) if self.service.ready() else []

    def misspelt_at(self, text: str, index: int, *, prose: bool = True) -> Span | None:
        """The misspelt word of ``text`` at ``index`` (or just after it), if there is one."""
        return next(
            (s for s in self.misspelt(text, prose=prose) if s.start <= index <= s.end), None
        )

    def suggestions(
        self, word: str, later: Callable[[list[str]], None], owner: QObject
    ) -> list[str] | None:
        """The corrections for ``word`` now if they are known; otherwise None, and they are
        worked out on the thread pool and handed to ``later`` (dropped if ``owner`` has gone)."""
        known = self.service.cached_suggestions(word)
        if known is not None:
            return known
        run_in_background(
            lambda: self.service.suggest(word), later, lambda _exc: later([]), owner=owner
        )
        return None

    def add(self, word: str) -> None:
        self.service.add(word)
        self.words_changed.emit()


def misspelt_format() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
    fmt.setUnderlineColor(QColor(MISSPELT_COLOUR))
    return fmt


class _Finder:
    """Finds the editor's spell check the first time it is needed, and follows its signals."""

    def __init__(
        self, find: Callable[[], SpellingSupport | None], again: Callable[[], None]
    ) -> None:
        self._find = find
        self._again = again
        self._support: SpellingSupport | None = None

    def __call__(self) -> SpellingSupport | None:
        if self._support is not None and shiboken6.isValid(self._support):
            return self._support
        support = self._find()
        if support is not None:
            self._support = support
            support.ready.connect(self._again)
            support.words_changed.connect(self._again)
        return support


class SpellHighlighter(QSyntaxHighlighter):
    """Underlines misspelt words in a plain-text edit. ``find`` gives the editor's spell check
    (None outside an editor: then nothing is underlined)."""

    def __init__(self, edit: QPlainTextEdit, find: Callable[[], SpellingSupport | None]) -> None:
        super().__init__(edit.document())
        self._spelling = _Finder(find, self.rehighlight)
        self._format = misspelt_format()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        if not text:
            return
        support = self._spelling()
        if support is None:
            return
        if not support.is_ready():
            support.request()
            return
        for span in support.misspelt(text):
            start = to_qt(text, span.start)
            self.setFormat(start, to_qt(text, span.end) - start, self._format)


class LineUnderliner(QObject):
    """Underlines misspelt words in a one-line field. A QLineEdit has no highlighter, but it
    draws the text formats an input method sends with its text; so, before the field is painted
    with text it has not been checked for, it is sent such an event with no text, only the
    formats. That changes neither the text nor the cursor, the selection or the undo history."""

    def __init__(self, edit: QLineEdit, find: Callable[[], SpellingSupport | None]) -> None:
        super().__init__(edit)
        self._edit = edit
        self._spelling = _Finder(find, self.refresh)
        self._format = misspelt_format()
        self._checked: str | None = None  # the text the underlines were made for
        edit.installEventFilter(self)

    def refresh(self) -> None:
        self._checked = None
        self._edit.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (
            watched is self._edit
            and event.type() == QEvent.Type.Paint
            and self._edit.text() != self._checked
        ):
            self._underline()
        return False

    def _underline(self) -> None:
        edit = self._edit
        text = edit.text()
        self._checked = text
        if edit.isReadOnly():
            return
        support = self._spelling()
        if support is None:
            return
        if not support.is_ready():
            support.request()
            return
        cursor = edit.cursorPosition()
        attributes = []
        for span in support.misspelt(text, prose=False):
            start = to_qt(text, span.start)
            attributes.append(
                QInputMethodEvent.Attribute(
                    QInputMethodEvent.AttributeType.TextFormat,
                    start - cursor,
                    to_qt(text, span.end) - start,
                    self._format,
                )
            )
        QCoreApplication.sendEvent(edit, QInputMethodEvent("", attributes))
