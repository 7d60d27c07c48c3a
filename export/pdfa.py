"""Finish a laid-out PDF for the archive: PDF/A-4f (PDF 2.0) with PDF/UA-1's accessibility.

reportlab lays the pages out; :func:`finish_pdf` then makes one pikepdf pass that

* writes the structure tree recorded while drawing (:mod:`export.tagging`), ``/MarkInfo``,
  ``/Lang``, ``/ViewerPreferences /DisplayDocTitle`` and ``/Tabs /S`` on every page;
* replaces the document information dictionary (which PDF/A-4 forbids) with XMP metadata: title,
  author, subject, dates, producer and the identification ``pdfaid:part 4`` (``pdfaid:conformance
  F`` when files are embedded, ``pdfaid:rev 2020``) and ``pdfuaid:part 1``;
* adds an sRGB output intent, since the pages use device RGB and grey (the ICC profile is made by
  LittleCMS through Pillow, see :func:`srgb_profile`);
* embeds files (the record's JSON) as associated files with their MIME type, modification date and
  ``/AFRelationship``, listed in the catalog's ``/AF`` and ``/EmbeddedFiles``;
* creates the unsigned signature field whose appearance is the stamp the renderer drew on a page of
  its own (that page becomes a form XObject and is removed), tagged as a Form element, so signing
  (:func:`export.sign.sign_pdf`) only fills the field in and the signature covers all of this;
* writes the file as ``%PDF-2.0`` with a file identifier.

Why PDF/A-4f and not PDF/A-3b: the signature is ECDSA P-256 in PAdES form, which is PDF 2.0
(pyHanko marks it with the ISO/TS 32002 extension and a catalog ``/Version 2.0``), and the
encryption the charter may ask for is PDF 2.0's AES-256. A PDF/A-3 file is a PDF 1.7 file, which a
signed record cannot honestly be; PDF/A-4f is the PDF 2.0 part and the level for embedded files.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

import pikepdf
from PIL import ImageCms

from export.tagging import Annotated, MarkedContent, StructElem, Structure, write_structure

PDFA_PART = "4"
PDFA_REV = "2020"
PDFUA_PART = "1"
SRGB_IDENTIFIER = "sRGB IEC61966-2.1"
_ICC_DATE = bytes.fromhex("07e400010001000000000000")  # 2020-01-01 00:00:00
_SIGNATURE_FLAGS = 4 | 128  # Print and Locked: printed, never hidden (PDF/A), not movable


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the XMP metadata says about the document."""

    title: str
    author: str
    subject: str
    created: datetime  # the injected clock: creation, modification and metadata date
    creator_tool: str = "Transitions"
    lang: str = "en-GB"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file carried inside the PDF as an associated file of the whole document."""

    name: str
    data: bytes
    mime_type: str
    description: str
    relationship: str = "Data"  # Source, Data, Alternative, Supplement or Unspecified


@dataclass(frozen=True, slots=True)
class SignatureField:
    """An unsigned signature field on page ``page`` whose appearance the renderer drew.

    ``rect`` is (x0, y0, x1, y1) in points on that page; the stamp was drawn on the last page of
    the laid-out file, sized to the rectangle. ``elem`` is the Form element the field belongs to
    in the structure tree, ``description`` its text for assistive technology (``/TU``).
    """

    name: str
    page: int
    rect: tuple[float, float, float, float]
    description: str
    elem: StructElem


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (display class, RGB) made by LittleCMS, with a fixed creation date so
    the same record always gives the same bytes."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile[:24] + _ICC_DATE + profile[36:]


def finish_pdf(
    raw: bytes,
    info: DocumentInfo,
    structure: Structure,
    marks: MarkedContent,
    *,
    attachments: Sequence[Attachment] = (),
    signature: SignatureField | None = None,
) -> bytes:
    """The laid-out PDF ``raw`` made tagged, PDF/A-4 (4f with attachments) and ready to sign."""
    with pikepdf.open(BytesIO(raw)) as pdf:
        annotations: list[Annotated] = []
        if signature is not None:
            annotations.append(_signature_field(pdf, signature))
        for page in pdf.pages:
            if "/Trans" in page.obj:  # reportlab's empty page transition: nothing to keep
                del page.obj["/Trans"]
        write_structure(pdf, structure, marks, annotations)
        pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        pdf.Root.OutputIntents = pikepdf.Array([_output_intent(pdf)])
        for attachment in attachments:
            embed(pdf, attachment, info.created)
        _write_xmp(pdf, info, conformance="F" if attachments else "")
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        if "/Version" in pdf.Root:
            del pdf.Root["/Version"]
        out = BytesIO()
        pdf.save(out, deterministic_id=True, force_version="2.0", fix_metadata_version=False)
        return out.getvalue()


def embed(pdf: pikepdf.Pdf, attachment: Attachment, when: datetime) -> pikepdf.Object:
    """Embed ``attachment`` as an associated file of the document (replacing one of the same
    name); returns its file specification."""
    stamp = _pdf_date(when)
    spec = pikepdf.AttachedFileSpec(
        pdf,
        attachment.data,
        description=attachment.description,
        filename=attachment.name,
        mime_type=attachment.mime_type,
        creation_date=stamp,
        mod_date=stamp,
        relationship=pikepdf.Name("/" + attachment.relationship),
    )
    pdf.attachments[attachment.name] = spec
    names = pikepdf.NameTree(pdf.Root.Names.EmbeddedFiles)
    filespec = names[attachment.name]
    if not filespec.is_indirect:
        filespec = pdf.make_indirect(filespec)
        names[attachment.name] = filespec
    filespec.AFRelationship = pikepdf.Name("/" + attachment.relationship)
    others = [
        item for item in pdf.Root.get("/AF", pikepdf.Array()) if not _names(item, attachment.name)
    ]
    pdf.Root.AF = pdf.make_indirect(pikepdf.Array([*others, filespec]))
    return filespec


def _names(item: pikepdf.Object, name: str) -> bool:
    try:
        return str(item.get("/UF", item.get("/F", ""))) == name
    except (AttributeError, TypeError):
        return False


def _pdf_date(moment: datetime) -> str:
    moment = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    return f"D:{moment:%Y%m%d%H%M%S}Z" if moment.tzinfo is not None else f"D:{moment:%Y%m%d%H%M%S}"


def _xmp_date(moment: datetime) -> str:
    if moment.tzinfo is None:
        return moment.replace(microsecond=0).isoformat()
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _write_xmp(pdf: pikepdf.Pdf, info: DocumentInfo, conformance: str) -> None:
    when = _xmp_date(info.created)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = info.title
        if info.author:
            meta["dc:creator"] = [info.author]
        if info.subject:
            meta["dc:description"] = info.subject
        meta["dc:language"] = [info.lang]
        meta["dc:format"] = "application/pdf"
        meta["xmp:CreatorTool"] = info.creator_tool
        meta["xmp:CreateDate"] = when
        meta["xmp:ModifyDate"] = when
        meta["xmp:MetadataDate"] = when
        meta["pdf:Producer"] = info.creator_tool
        meta["pdfaid:part"] = PDFA_PART
        meta["pdfaid:rev"] = PDFA_REV
        if conformance:
            meta["pdfaid:conformance"] = conformance
        meta["pdfuaid:part"] = PDFUA_PART


def _output_intent(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    profile = pdf.make_stream(srgb_profile())
    profile.N = 3
    return pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String(SRGB_IDENTIFIER),
        Info=pikepdf.String(SRGB_IDENTIFIER),
        RegistryName=pikepdf.String("http://www.color.org"),
        DestOutputProfile=profile,
    )


def _signature_field(pdf: pikepdf.Pdf, spec: SignatureField) -> Annotated:
    """Turn the stamp page (the last one) into the appearance of a new, unsigned signature field
    on page ``spec.page``."""
    stamp_page = pdf.pages[-1]
    appearance = stamp_page.as_form_xobject()
    del pdf.pages[-1]
    page = pdf.pages[spec.page]
    x0, y0, x1, y1 = spec.rect
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Sig,
            T=pikepdf.String(spec.name),
            TU=pikepdf.String(spec.description),
            F=_SIGNATURE_FLAGS,
            Rect=pikepdf.Array([x0, y0, x1, y1]),
            P=page.obj,
            AP=pikepdf.Dictionary(N=appearance),
        )
    )
    annots = page.obj.get("/Annots", pikepdf.Array())
    annots.append(field)
    page.obj.Annots = annots
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
    return Annotated(spec.elem, spec.page, field)
