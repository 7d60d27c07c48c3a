"""Tagged PDF from reportlab: marked content while drawing, a structure tree afterwards.

reportlab writes no logical structure of its own, so it is added in three steps:

1. **While the story is built**, the renderer writes the document's logical structure in reading
   order as a tree of :class:`StructElem` (Document, H1-H3, P, L/LI/LBody, Table/TR/TH/TD with
   header scope, Figure with alternative text, Div) and ties each text or picture flowable to its
   element (:class:`TaggedParagraph`, :class:`TaggedImage`, :func:`tie`, :func:`table`). The order in
   which elements are added is the order a screen reader reads, whatever order the layout draws them
   in (a grid of boxes is drawn row by row but read box by box).
2. **While reportlab draws**, the canvas holds a :class:`MarkedContent`. Every page is an artifact by
   default (``/Artifact BMC``); a tied flowable closes it, draws inside ``/Role <</MCID n>> BDC ...
   EMC`` and reopens it. So rules, tints and boxes are artifacts without anyone saying so, and text
   that nobody tied is an artifact too, which the tests catch (they remove tagged and pagination
   content and check that no text is left). Running headers, footers and page numbers mark
   themselves as pagination artifacts (:meth:`MarkedContent.pagination`), as does a flowable drawn a
   second time (a table's header row repeated on the next page), so the tree holds it once.
3. **After reportlab has saved**, :func:`write_structure` (pikepdf) turns the tree and the recorded
   marked-content ids into the StructTreeRoot, its ParentTree and each page's ``/StructParents``.

Text in another language than the document's gets a ``/Lang`` of its own: each element keeps the
text tied to it, and :func:`write_structure` marks it with :func:`export.languages.language_of`,
given the languages the record says it may be in (``languages``, set on the Structure or on any
element for the elements below it: one row of a class summary is one child).

Only standard structure types are used, so no role map is needed. Nothing here knows about records:
the record, the class summary and any new packet use the same few calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

import pikepdf
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, Paragraph

from export.languages import Language, language_of

MarkedRef = tuple[int, int]  # (page index, marked-content id on that page)

# Roles whose elements are dropped from the tree when nothing was drawn for them (table cells,
# rows and tables stay even when empty: a table's grid must stay whole).
_DROP_WHEN_EMPTY = frozenset({"P", "H1", "H2", "H3", "H4", "Span", "Div", "Lbl", "LBody", "Figure"})


class StructElem:
    """One element of the logical structure: a role, optional attributes and kids in order.

    Kids are elements or marked-content references (filled in while drawing) or, for a form field,
    the annotation it stands for (set by :func:`write_structure`'s caller).
    """

    __slots__ = (
        "actual_text",
        "alt",
        "col_span",
        "kids",
        "lang",
        "languages",
        "parent",
        "role",
        "scope",
        "text",
    )

    def __init__(
        self,
        role: str,
        parent: StructElem | None = None,
        *,
        alt: str = "",
        lang: str = "",
        scope: str = "",
        actual_text: str = "",
        col_span: int = 1,
    ) -> None:
        self.role = role
        self.parent = parent
        self.alt = alt
        self.lang = lang
        self.scope = scope  # "Row", "Column" or "Both" for a TH
        self.actual_text = actual_text
        self.col_span = col_span
        self.kids: list[StructElem | MarkedRef | pikepdf.Object] = []
        self.text = ""  # the real text of the flowables tied to this element
        # the languages the record says the text below this element may be in (None: as above)
        self.languages: tuple[Language, ...] | None = None

    def add(self, role: str, **attrs: Any) -> StructElem:
        """A new last kid of this element."""
        kid = StructElem(role, self, **attrs)
        self.kids.append(kid)
        return kid

    def append(self, kid: StructElem) -> StructElem:
        """Make ``kid`` (made with this element as its parent, not yet added) the last kid."""
        kid.parent = self
        self.kids.append(kid)
        return kid

    def recorded_languages(self) -> tuple[Language, ...] | None:
        """``languages`` of this element or the nearest ancestor that has them."""
        elem: StructElem | None = self
        while elem is not None:
            if elem.languages is not None:
                return elem.languages
            elem = elem.parent
        return None

    def walk(self) -> Iterator[StructElem]:
        yield self
        for kid in self.kids:
            if isinstance(kid, StructElem):
                yield from kid.walk()

    def __repr__(self) -> str:
        return f"<StructElem {self.role} kids={len(self.kids)}>"


class Structure:
    """A document's logical structure, rooted in a Document element, in one natural language."""

    def __init__(self, lang: str = "en-GB", languages: tuple[Language, ...] = ()) -> None:
        self.lang = lang
        self.root = StructElem("Document")
        self.root.languages = languages


# --- drawing ----------------------------------------------------------------------------------
class MarkedContent:
    """The marked-content bookkeeping of one canvas: which element each id of each page belongs to.

    The canvas calls :meth:`start_page` when a page begins and :meth:`end_page` when its story
    content ends (before the page furniture is drawn).
    """

    def __init__(self) -> None:
        self.page = 0
        self.pages: list[list[StructElem]] = [[]]  # per page: element of each marked-content id

    def start_page(self, canv: Canvas) -> None:
        canv.addLiteral("/Artifact BMC")

    def end_page(self, canv: Canvas) -> None:
        canv.addLiteral("EMC")
        self.page += 1
        self.pages.append([])

    def begin(
        self, canv: Canvas, elem: StructElem, *, page: int | None = None, reopen: bool = True
    ) -> None:
        """Start ``elem``'s content on the current page (or ``page``, for furniture drawn at the
        end); ``reopen=False`` outside the story, where no default artifact is open."""
        index = self.page if page is None else page
        mcids = self.pages[index]
        mcid = len(mcids)
        mcids.append(elem)
        elem.kids.append((index, mcid))
        close = "EMC " if reopen else ""
        canv.addLiteral(f"{close}/{elem.role} <</MCID {mcid}>> BDC")

    def end(self, canv: Canvas) -> None:
        canv.addLiteral("EMC /Artifact BMC")

    @contextmanager
    def repeated(self, canv: Canvas) -> Iterator[None]:
        """Content drawn again (a repeated table header): a pagination artifact."""
        canv.addLiteral("EMC /Artifact <</Type /Pagination>> BDC")
        yield
        canv.addLiteral("EMC /Artifact BMC")

    @staticmethod
    @contextmanager
    def pagination(canv: Canvas, subtype: str) -> Iterator[None]:
        """Page furniture drawn outside the story: ``subtype`` is "Header" or "Footer"."""
        canv.addLiteral(f"/Artifact <</Type /Pagination /Subtype /{subtype}>> BDC")
        yield
        canv.addLiteral("EMC")


def marked_content(canv: Canvas) -> MarkedContent | None:
    found = getattr(canv, "marked_content", None)
    return found if isinstance(found, MarkedContent) else None


class _Tied:
    """Mixin for a flowable drawn as the content of one structure element.

    Set ``elem`` (directly or with :func:`tie`) before the story is built; the pieces a split
    makes keep the same element, so a paragraph running over a page break is one P with content
    on both pages.
    """

    elem: StructElem | None = None
    text: str = ""  # the real text drawn (for the element's language)
    actual_text: str = ""  # the real text where the drawn text stands in for it (see fonts)
    _drawn = False

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802
        draw = super().drawOn  # type: ignore[misc]
        marks = marked_content(canvas)
        if marks is None or self.elem is None:
            draw(canvas, x, y, _sW)
            return
        if self._drawn:
            with marks.repeated(canvas):
                draw(canvas, x, y, _sW)
            return
        self._drawn = True
        marks.begin(canvas, self.elem)
        draw(canvas, x, y, _sW)
        marks.end(canvas)

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        parts: list[Flowable] = super().split(avail_width, avail_height)  # type: ignore[misc]
        for part in parts:
            if isinstance(part, _Tied):
                part.elem = self.elem
                part.text = self.text
                part.actual_text = self.actual_text
        return parts


class TaggedParagraph(_Tied, Paragraph):  # type: ignore[misc]
    """A reportlab paragraph that draws as the content of its structure element.

    Each line but the last ends in a space: reportlab drops the space where it wraps a line, and
    text extraction (a screen reader, a copy and paste, ``pdfinfo -struct-text``) would otherwise
    run the last word of one line into the first of the next.
    """

    def draw(self) -> None:
        _space_line_ends(self.blPara)
        super().draw()


def _space_line_ends(para: Any) -> None:
    if getattr(para, "_line_ends_spaced", False):
        return
    para._line_ends_spaced = True
    lines = para.lines
    if para.kind == 0:  # (extra space, words) per line
        para.lines = [(extra, [*words, ""]) for extra, words in lines[:-1]] + lines[-1:]
        return
    for line in lines[:-1]:
        texts = [frag for frag in line.words if getattr(frag, "text", "")]
        if texts and not texts[-1].text.endswith(" "):
            texts[-1].text += " "


class TaggedImage(_Tied, Image):  # type: ignore[misc]
    """A picture that draws as the content of a Figure element (see :func:`figure`)."""


# --- building the tree ------------------------------------------------------------------------
Content: TypeAlias = "Flowable | Sequence[Flowable] | str"  # a table cell's content


def tie(flowable: Flowable, elem: StructElem) -> StructElem:
    """Draw ``flowable`` as the content of ``elem``; returns ``elem``."""
    if not isinstance(flowable, _Tied):
        raise TypeError(f"{type(flowable).__name__} cannot carry a structure element")
    flowable.elem = elem
    if flowable.text:
        elem.text = f"{elem.text} {flowable.text}" if elem.text else flowable.text
    if flowable.actual_text and not elem.actual_text:
        elem.actual_text = flowable.actual_text
    return elem


def add(parent: StructElem, role: str, flowable: Flowable, **attrs: Any) -> Flowable:
    """A new element ``role`` under ``parent`` drawn by ``flowable``; returns the flowable."""
    tie(flowable, parent.add(role, **attrs))
    return flowable


def paragraphs(parent: StructElem, flowables: Sequence[Flowable], role: str = "P") -> None:
    """Each flowable as its own element ``role`` under ``parent``, in order."""
    for flowable in flowables:
        if isinstance(flowable, _Tied):
            tie(flowable, parent.add(role))


def fill(elem: StructElem, content: Content) -> None:
    """A table cell's or block's content: one flowable is the element's own content, several
    become P kids; an empty string leaves the element empty."""
    if isinstance(content, str):
        if content:
            raise TypeError("Tagged content must be flowables, not plain strings")
        return
    if isinstance(content, Flowable):
        tie(content, elem)
        return
    if len(content) == 1:
        tie(content[0], elem)
        return
    paragraphs(elem, content)


def figure(parent: StructElem, image: TaggedImage, alt: str) -> TaggedImage:
    """A picture as a Figure with its alternative text (what a screen reader says instead)."""
    if not alt.strip():
        raise ValueError("A figure needs alternative text")
    tie(image, parent.add("Figure", alt=alt.strip()))
    return image


@dataclass(frozen=True, slots=True)
class TableShape:
    """Which cells of a data table are headers: the first ``header_rows`` rows (column headers),
    the first ``header_cols`` columns (row headers); ``spans`` gives (row, col) -> columns spanned."""

    header_rows: int = 0
    header_cols: int = 0
    spans: tuple[tuple[int, int, int], ...] = ()  # (row, col, columns)


def table(parent: StructElem, data: Sequence[Sequence[Content]], shape: TableShape) -> StructElem:
    """Tag a reportlab table's cells as Table/TR/TH/TD, row by row, under ``parent``.

    Header cells get a Scope ("Column" for header rows, "Row" for header columns) so a screen reader
    can say which header a cell belongs to. Cells hidden under a column span are skipped.
    """
    spans = {(r, c): n for r, c, n in shape.spans}
    elem = parent.add("Table")
    for r, row in enumerate(data):
        tr = elem.add("TR")
        skip = 0
        for c, content in enumerate(row):
            if skip:
                skip -= 1
                continue
            span = spans.get((r, c), 1)
            skip = span - 1
            if r < shape.header_rows:
                cell = tr.add("TH", scope="Column", col_span=span)
            elif c < shape.header_cols:
                cell = tr.add("TH", scope="Row", col_span=span)
            else:
                cell = tr.add("TD", col_span=span)
            fill(cell, content)
    return elem


# --- writing the tree into the PDF ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Annotated:
    """An annotation (a signature widget) that belongs to element ``elem`` on page ``page``."""

    elem: StructElem
    page: int
    annot: pikepdf.Object


def write_structure(
    pdf: pikepdf.Pdf,
    structure: Structure,
    marks: MarkedContent,
    annotations: Sequence[Annotated] = (),
) -> None:
    """Write ``structure`` as the document's StructTreeRoot, with the ParentTree that maps each
    page's marked-content ids (as recorded in ``marks``) and each annotation back to its element."""
    pages = list(pdf.pages)
    objects: dict[int, pikepdf.Object] = {}
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    annotated = {id(a.elem): a for a in annotations}

    def build(elem: StructElem, parent: pikepdf.Object) -> pikepdf.Object | None:
        node = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem))
        node.S = pikepdf.Name("/" + elem.role)
        node.P = parent
        first_page = next((k[0] for k in elem.kids if isinstance(k, tuple)), None)
        if first_page is not None:
            node.Pg = pages[first_page].obj
        kids: list[Any] = []
        for kid in elem.kids:
            if isinstance(kid, StructElem):
                built = build(kid, node)
                if built is not None:
                    kids.append(built)
            elif isinstance(kid, tuple):
                page, mcid = kid
                if page == first_page:
                    kids.append(mcid)
                else:
                    kids.append(
                        pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=pages[page].obj, MCID=mcid)
                    )
        mark = annotated.get(id(elem))
        if mark is not None:
            kids.append(
                pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=mark.annot, Pg=pages[mark.page].obj)
            )
        if not kids and elem.role in _DROP_WHEN_EMPTY:
            return None
        node.K = pikepdf.Array(kids) if len(kids) != 1 else kids[0]
        _attributes(node, elem, structure.lang)
        objects[id(elem)] = node
        return node

    doc = build(structure.root, root)
    if doc is None:  # an empty document still has its Document element
        doc = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=root)
        )
    if structure.lang:
        doc.Lang = pikepdf.String(structure.lang)
    root.K = doc

    nums: list[Any] = []
    for index, page in enumerate(pages):
        page.obj.StructParents = index
        page.obj.Tabs = pikepdf.Name.S
        owners = marks.pages[index] if index < len(marks.pages) else []
        nums += [index, pikepdf.Array([objects[id(e)] for e in owners])]
    for n, mark in enumerate(annotations, start=len(pages)):
        mark.annot.StructParent = n
        nums += [n, objects[id(mark.elem)]]
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    root.ParentTreeNextKey = len(pages) + len(annotations)
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    if structure.lang:
        pdf.Root.Lang = pikepdf.String(structure.lang)


def _attributes(node: pikepdf.Object, elem: StructElem, document_lang: str) -> None:
    if elem.alt:
        node.Alt = pikepdf.String(elem.alt)
    if elem.actual_text:
        node.ActualText = pikepdf.String(elem.actual_text)
    lang = elem.lang or language_of(elem.text, elem.recorded_languages() or ())
    if lang and lang != document_lang:
        node.Lang = pikepdf.String(lang)
    table_attrs: dict[str, Any] = {}
    if elem.scope:
        table_attrs["/Scope"] = pikepdf.Name("/" + elem.scope)
    if elem.col_span > 1:
        table_attrs["/ColSpan"] = elem.col_span
    if table_attrs:
        node.A = pikepdf.Dictionary({"/O": pikepdf.Name.Table, **table_attrs})
