"""Synthetic pictures for tests: clean drawings, photos carrying metadata, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw, PngImagePlugin

SECRET_TEXT = "SECRET-LOCATION-Puddle-Lane-51.5072N"
SECRET_XMP = "SECRET-XMP-CameraOwner-Zephyrine"
SECRET_EXIF = "SECRET-EXIF-Description-Quillon"


def drawing_png(width: int = 320, height: int = 240, *, metadata: bool = True) -> bytes:
    """A child's "drawing" (a sun and a house) as a PNG with text, XMP and EXIF chunks."""
    image = Image.new("RGB", (width, height), (255, 255, 250))
    pen = ImageDraw.Draw(image)
    pen.ellipse((20, 20, 90, 90), fill=(250, 200, 40), outline=(200, 120, 0), width=4)
    pen.rectangle((140, 110, 280, 220), fill=(200, 60, 60), outline=(90, 20, 20), width=4)
    pen.polygon([(130, 110), (210, 40), (290, 110)], fill=(60, 90, 200))
    pen.rectangle((195, 160, 225, 220), fill=(110, 70, 30))
    out = io.BytesIO()
    if metadata:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", SECRET_TEXT)
        info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{SECRET_XMP}</x:xmpmeta>")
        exif = Image.Exif()
        exif[0x010E] = SECRET_EXIF
        image.save(out, format="PNG", pnginfo=info, exif=exif.tobytes())
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def photo_jpeg(width: int = 400, height: int = 300, *, orientation: int = 6) -> bytes:
    """A "photo" with EXIF: GPS position, a description and an orientation tag (6: turn 90°)."""
    image = Image.new("RGB", (width, height), (90, 160, 220))
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, width // 4, height), fill=(240, 20, 20))  # a red band on the left
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010E] = SECRET_EXIF
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims billions of pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * (width * 3)
    body = zlib.compress(row * 4, 9)  # a few rows: the rest would come from the same zeros
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = photo_jpeg(800, 600, orientation=1)
    return data[: len(data) // 2]
