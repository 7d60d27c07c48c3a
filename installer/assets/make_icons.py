"""Render installer/assets/transitions.svg to the PNG and ICO files the installers use.

Run after editing the SVG: ``python installer/assets/make_icons.py``. The outputs are committed so
a build needs no extra tools. The ICO holds 16-256 px images as 32-bit BMP entries (256 px as PNG),
the format both Windows Explorer and NSIS read.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVG = HERE / "transitions.svg"
PNG = HERE / "transitions.png"
ICO = HERE / "transitions.ico"
ICO_SIZES = (16, 24, 32, 48, 64, 256)


def _render(size: int):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    return image


def _png_bytes(image) -> bytes:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def _bmp_entry(image) -> bytes:  # type: ignore[no-untyped-def]
    """A BITMAPINFOHEADER + bottom-up BGRA pixels + an all-zero AND mask (alpha does the work)."""
    size = image.width()
    rows = []
    for y in range(size - 1, -1, -1):
        row = bytearray()
        for x in range(size):
            argb = image.pixel(x, y)
            row += struct.pack("<I", argb)  # little-endian ARGB32 is B, G, R, A in memory
        rows.append(bytes(row))
    mask_stride = ((size + 31) // 32) * 4
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    return header + b"".join(rows) + b"\x00" * (mask_stride * size)


def write_ico(path: Path) -> None:
    entries = []
    for size in ICO_SIZES:
        image = _render(size)
        entries.append((size, _png_bytes(image) if size >= 256 else _bmp_entry(image)))
    out = bytearray(struct.pack("<HHH", 0, 1, len(entries)))
    offset = 6 + 16 * len(entries)
    for size, data in entries:
        dim = 0 if size >= 256 else size
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    for _, data in entries:
        out += data
    path.write_bytes(bytes(out))


def main() -> int:
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (QImage needs it)
    _render(256).save(str(PNG), "PNG")
    write_ico(ICO)
    print(f"wrote {PNG.name} and {ICO.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
