"""Unsigned previews for the window: a record's PDF before it is signed, its pages as pixels, and
the school's class summary.

Nothing here signs, encrypts or stores anything: the export service does that. The window shows
these so a person can look at what will be sent before they sign it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pypdfium2 as pdfium

from export.class_summary import ClassSummaryOptions, render_class_summary_pdf
from export.file_names import file_code
from export.packets import TEACHER
from export.render import RenderOptions, render_record_pdf
from export.stamp import SignatureLabel
from models.errors import TransitionsError
from models.record import Record

Clock = Callable[[], datetime]
PREVIEW_SCALE = 1.25  # 72 dpi points to pixels: an A4 page is about 744 pixels wide


class PreviewFailed(TransitionsError):
    """The preview could not be drawn (the record itself is unaffected)."""


@dataclass(frozen=True, slots=True)
class PageImage:
    """One rendered page: packed RGB rows (``stride`` bytes each)."""

    width: int
    height: int
    stride: int
    data: bytes


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class PreviewService:
    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock = clock or _utc_now

    def preview_pdf(
        self, record: Record, *, packet: str = "teacher", handling_note: str = ""
    ) -> bytes:
        """The record as the school will see it, unsigned and unencrypted (the teacher's packet
        with the file code its exported file will carry; a SENCO packet's code is made at export)."""
        code = file_code(record.id) if packet == TEACHER else ""
        return render_record_pdf(
            record,
            RenderOptions(
                generated_on=self._clock(),
                packet=packet,
                handling_note=handling_note,
                file_code=code,
            ),
        )

    def page_count(self, pdf: bytes) -> int:
        try:
            doc = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise PreviewFailed(f"The preview could not be drawn: {exc}") from None
        try:
            return len(doc)
        finally:
            doc.close()

    def render_pages(
        self, pdf: bytes, scale: float = PREVIEW_SCALE, *, start: int = 0, stop: int | None = None
    ) -> list[PageImage]:
        """The pages ``start`` to ``stop`` (default: to the end) of ``pdf`` as RGB pixels."""
        wanted = range(start, stop if stop is not None else 1 << 30)
        return [image for _index, _count, image in self.each_page(pdf, scale, wanted)]

    def each_page(
        self, pdf: bytes, scale: float = PREVIEW_SCALE, pages: range | None = None
    ) -> Iterator[tuple[int, int, PageImage]]:
        """(index, page count, pixels) for each page of ``pdf`` (or those in ``pages``), drawn one
        at a time, so printing a long record never holds every page at print resolution."""
        try:
            doc = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise PreviewFailed(f"The preview could not be drawn: {exc}") from None
        try:
            count = len(doc)
            wanted = pages if pages is not None else range(count)
            for index in range(max(wanted.start, 0), min(wanted.stop, count), wanted.step):
                page = doc[index]
                bitmap = page.render(scale=scale, rev_byteorder=True)
                try:
                    image = PageImage(
                        bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer)
                    )
                finally:
                    bitmap.close()
                    page.close()
                yield index, count, image
        finally:
            doc.close()

    def front_sheet(
        self, record: Record, *, handling_note: str = "", scale: float = PREVIEW_SCALE
    ) -> tuple[PageImage, str]:
        """The front sheet exactly as exported: the first page of :meth:`preview_pdf` (the real
        export pipeline, so it cannot drift from the PDF), as pixels and as its text. Slow (it
        lays out the whole record): call it off the UI thread."""
        pdf = self.preview_pdf(record, handling_note=handling_note)
        try:
            doc = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise PreviewFailed(f"The preview could not be drawn: {exc}") from None
        try:
            page = doc[0]
            try:
                bitmap = page.render(scale=scale, rev_byteorder=True)
                try:
                    image = PageImage(
                        bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer)
                    )
                finally:
                    bitmap.close()
                text_page = page.get_textpage()
                try:
                    text = text_page.get_text_range()
                finally:
                    text_page.close()
            finally:
                page.close()
        finally:
            doc.close()
        return image, text

    def class_summary_pdf(
        self,
        records: Sequence[Record],
        title: str,
        handling_note: str = "",
        *,
        signature: SignatureLabel | None = None,
    ) -> bytes:
        """The school's one-document class summary, unsigned (with ``signature``, its stamp and
        empty signature field are ready for ``SchoolService.class_summary_pdf`` to sign)."""
        return render_class_summary_pdf(
            records,
            ClassSummaryOptions(
                title=title,
                generated_on=self._clock(),
                handling_note=handling_note,
                signature=signature,
            ),
        )
