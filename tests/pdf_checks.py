"""Checks of exported PDFs that do not trust the renderer: poppler's command-line tools, pikepdf
reading the file back, and pikepdf's PDF/A validator.

Everything takes the PDF's bytes (and its password when encrypted) and asks a tool that knows
nothing about how the file was made.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pikepdf

POPPLER = ("pdfinfo", "pdftotext", "pdffonts", "pdfsig")
TEXT_SHOWING = frozenset({"Tj", "TJ", "'", '"'})


def have_poppler() -> bool:
    return all(shutil.which(tool) for tool in POPPLER)


def run_tool(tool: str, pdf: bytes, *args: str, password: str | None = None) -> str:
    """Run a poppler tool on ``pdf`` and return its standard output."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.pdf"
        path.write_bytes(pdf)
        secret = ["-upw", password] if password else []
        out = subprocess.run(
            [tool, *secret, *args, str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if tool != "pdfsig" and out.returncode != 0:
            raise AssertionError(f"{tool} failed: {out.stderr}")
        return out.stdout


def pdftotext(pdf: bytes, *args: str, password: str | None = None) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.pdf"
        path.write_bytes(pdf)
        secret = ["-upw", password] if password else []
        out = subprocess.run(
            ["pdftotext", *secret, *args, str(path), "-"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return out.stdout


def struct_lines(pdf: bytes, password: str | None = None) -> list[tuple[int, str]]:
    """``pdfinfo -struct-text`` as (indent, line) pairs."""
    text = run_tool("pdfinfo", pdf, "-struct-text", password=password)
    return [
        (len(line) - len(line.lstrip()), line.strip()) for line in text.splitlines() if line.strip()
    ]


def struct_texts(pdf: bytes, password: str | None = None) -> list[str]:
    """The text of every structure element, in the tree's (reading) order."""
    return [
        line[1:-1]
        for _indent, line in struct_lines(pdf, password)
        if len(line) >= 2 and line.startswith('"') and line.endswith('"')
    ]


def struct_roles(pdf: bytes, password: str | None = None) -> list[str]:
    """Each structure element's type, in reading order (``pdfinfo -struct``)."""
    roles = []
    for _indent, line in struct_lines(pdf, password):
        if line.startswith(('"', "/")):
            continue
        roles.append(line.split()[0].rstrip(":"))
    return roles


def glyphs(text: str) -> Counter[str]:
    """The characters of ``text`` other than white space, counted."""
    return Counter(c for c in text if not c.isspace())


def fonts(pdf: bytes, password: str | None = None) -> list[dict[str, str]]:
    """``pdffonts`` rows: name, type, emb, sub, uni."""
    lines = run_tool("pdffonts", pdf, password=password).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type [type words] encoding emb sub uni object-id gen
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def mark_kind(operands: list[object], operator: str) -> str:
    """What a BMC/BDC opens: "tagged" (an MCID), "pagination" (a pagination artifact) or "other"."""
    tag = str(operands[0]) if operands else ""
    props = operands[1] if operator == "BDC" and len(operands) > 1 else None
    if isinstance(props, pikepdf.Dictionary):
        if "/MCID" in props:
            return "tagged"
        if tag == "/Artifact" and props.get("/Type") == pikepdf.Name.Pagination:
            return "pagination"
    return "other"


def without_text(
    pdf: bytes, drop: Callable[[list[str]], bool], password: str | None = None
) -> bytes:
    """A decrypted copy of ``pdf`` whose text-showing operators are removed wherever ``drop``
    says so for the stack of enclosing marked-content kinds; annotations are removed too."""
    with pikepdf.open(BytesIO(pdf), password=password or "") as doc:
        for page in doc.pages:
            stack: list[str] = []
            kept = []
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BMC", "BDC"):
                    stack.append(mark_kind(list(operands), op))
                elif op == "EMC":
                    stack.pop()
                elif op in TEXT_SHOWING and drop(stack):
                    continue
                kept.append((operands, operator))
            page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(kept))
            if "/Annots" in page.obj:
                del page.obj["/Annots"]
        out = BytesIO()
        doc.save(out, encryption=False)
        return out.getvalue()


def untagged_text(pdf: bytes, password: str | None = None) -> str:
    """Text drawn neither as a structure element's content nor as a pagination artifact."""
    stripped = without_text(pdf, lambda s: "tagged" in s or "pagination" in s, password)
    return pdftotext(stripped)


def page_text_without_pagination(pdf: bytes, password: str | None = None) -> str:
    return pdftotext(without_text(pdf, lambda s: "pagination" in s, password))


def first_positions(haystack: str, needles: list[str]) -> list[int]:
    """Where each needle first occurs in ``haystack`` (white space folded); -1 when absent."""
    flat = re.sub(r"\s+", " ", haystack)
    return [flat.find(re.sub(r"\s+", " ", n)) for n in needles]
