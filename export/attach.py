"""The record's JSON travels inside its PDF as an embedded, associated file.

:func:`attach_json` runs *before* signing, so the signature covers the JSON as well as the pages.
The file is listed both in the document's ``/EmbeddedFiles`` name tree (what readers show in their
attachments panel) and in the catalog's ``/AF`` array with ``/AFRelationship /Data`` (PDF 2.0 /
PDF/A-3 "associated file": the machine-readable source of what the pages show).

Writing is done by pikepdf; reading is done on a pyHanko reader so the same code serves plain,
password-encrypted and certificate-encrypted files (see :mod:`export.verify`).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pikepdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from models.errors import AttachmentMissing, InterchangeError

RECORD_JSON_NAME = "transition-record.json"
JSON_MIME = "application/json"
_MAX_NAME_TREE_DEPTH = 8


def attach_json(pdf_bytes: bytes, json_bytes: bytes, name: str = RECORD_JSON_NAME) -> bytes:
    """Return a copy of ``pdf_bytes`` with ``json_bytes`` embedded as ``name`` (replacing any
    earlier file of that name)."""
    try:
        with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
            spec = pikepdf.AttachedFileSpec(
                pdf,
                json_bytes,
                description="Transition record (machine-readable JSON)",
                filename=name,
                mime_type=JSON_MIME,
            )
            pdf.attachments[name] = spec
            filespec = _find_filespec_pikepdf(pdf, name)
            filespec.AFRelationship = pikepdf.Name.Data
            others = [
                item
                for item in pdf.Root.get("/AF", pikepdf.Array())
                if not _same_name_pikepdf(item, name)
            ]
            pdf.Root.AF = pdf.make_indirect(pikepdf.Array([*others, filespec]))
            out = BytesIO()
            pdf.save(out, deterministic_id=True, min_version="1.7")
            return out.getvalue()
    except pikepdf.PdfError as exc:
        raise InterchangeError(f"The PDF could not be read to attach the record: {exc}") from None


def _find_filespec_pikepdf(pdf: pikepdf.Pdf, name: str) -> pikepdf.Object:
    names = pikepdf.NameTree(pdf.Root.Names.EmbeddedFiles)
    found = names[name]
    if not found.is_indirect:
        found = pdf.make_indirect(found)
        names[name] = found
    return found


def _same_name_pikepdf(item: Any, name: str) -> bool:
    try:
        return str(item.get("/UF", item.get("/F", ""))) == name
    except (AttributeError, TypeError):
        return False


def extract_json(pdf_bytes: bytes, name: str = RECORD_JSON_NAME) -> bytes:
    """The embedded record JSON of an unencrypted PDF.

    :raises AttachmentMissing: the PDF has no embedded file called ``name``.
    :raises InterchangeError: the PDF cannot be read.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    except Exception as exc:  # pyHanko raises several unrelated types on damaged input
        raise InterchangeError(f"The PDF could not be read: {exc}") from None
    if reader.encrypted:
        raise InterchangeError("The PDF is encrypted; open it with its password or key first.")
    return extract_json_from_reader(reader, name)


def extract_json_from_reader(reader: PdfFileReader, name: str = RECORD_JSON_NAME) -> bytes:
    """The embedded file ``name`` from an open (and, if encrypted, authenticated) reader."""
    try:
        root = reader.root
        names = root.get("/Names")
        tree = names.get_object().get("/EmbeddedFiles") if names is not None else None
        filespec = _lookup(tree.get_object(), name, 0) if tree is not None else None
        if filespec is None:
            filespec = _from_af(root, name)
        if filespec is None:
            raise AttachmentMissing(f"The PDF does not contain the record file “{name}”.")
        stream = filespec["/EF"].get_object()
        ef = stream.get("/UF", stream.get("/F"))
        data = ef.get_object().data
    except AttachmentMissing:
        raise
    except Exception as exc:  # malformed object graphs raise KeyError, TypeError, PdfReadError...
        raise InterchangeError(f"The record file inside the PDF could not be read: {exc}") from None
    if not isinstance(data, bytes):
        raise InterchangeError("The record file inside the PDF could not be read.")
    return data


def _filespec_name(filespec: generic.DictionaryObject) -> str:
    value = filespec.get("/UF", filespec.get("/F", ""))
    return str(value.get_object()) if value is not None else ""


def _lookup(node: generic.DictionaryObject, name: str, depth: int) -> Any:
    if depth > _MAX_NAME_TREE_DEPTH:
        raise InterchangeError("The PDF's embedded file list is nested too deeply.")
    pairs = node.get("/Names")
    if pairs is not None:
        pairs = pairs.get_object()
        for i in range(0, len(pairs) - 1, 2):
            if str(pairs[i].get_object()) == name:
                return pairs[i + 1].get_object()
    kids = node.get("/Kids")
    if kids is not None:
        for kid in kids.get_object():
            found = _lookup(kid.get_object(), name, depth + 1)
            if found is not None:
                return found
    return None


def _from_af(root: generic.DictionaryObject, name: str) -> Any:
    af = root.get("/AF")
    if af is None:
        return None
    for item in af.get_object():
        filespec = item.get_object()
        if _filespec_name(filespec) == name:
            return filespec
    return None
