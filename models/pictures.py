"""The child's drawings and photos for "All about me": taken in safely, kept small and clean.

A picture comes in as bytes (a file a person chose, read into memory) and is decoded, checked and
re-encoded here, in memory only: nothing is written to disk, no temporary file either. What is kept
is a fresh image made from the pixels alone, so nothing the camera or the drawing program wrote
travels with it: no EXIF (GPS position, camera, time), no XMP or IPTC, no PNG text chunks, no ICC
profile (colours are converted to sRGB first), no thumbnails. The orientation the camera recorded
is applied to the pixels before the metadata goes.

Limits, each refused with a plain sentence (:class:`PictureRefused`): PNG or JPEG only, at most
:data:`MAX_FILE_BYTES` in and :data:`MAX_SOURCE_PIXELS` pixels (a decompression bomb is refused
before it is decoded), a whole file (a truncated JPEG is refused, never padded with grey). The kept
picture is at most :data:`MAX_EDGE` pixels on its longer side and :data:`MAX_STORED_BYTES` bytes; a
record holds at most :data:`MAX_PICTURES` of them, so the record's JSON stays well under the
interchange limit.

Pillow is imported only when a picture is taken in, so opening a vault does not load it.
"""

from __future__ import annotations

import base64
import binascii
import io
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from models.errors import InterchangeError, TransitionsError

PNG = "image/png"
JPEG = "image/jpeg"
MEDIA_TYPES = (PNG, JPEG)
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000
MAX_EDGE = 1600
MAX_STORED_BYTES = 500_000
MAX_PICTURES = 6
MAX_CAPTION = 200
_JPEG_QUALITIES = (88, 80, 72, 64)
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"


class PictureRefused(TransitionsError):
    """A file was not taken in as a picture (not PNG or JPEG, too large, damaged); nothing was kept."""


PICTURE_SECTION = "about_me"  # the section the pictures are shown in, on screen and PDF


@dataclass(frozen=True, slots=True)
class Picture:
    """One kept picture: clean PNG or JPEG bytes and the caption the setting wrote."""

    id: str
    media_type: str
    width: int
    height: int
    data: bytes
    caption: str = ""
    added_on: date | None = None

    @property
    def extension(self) -> str:
        return "png" if self.media_type == PNG else "jpg"


def clean_caption(caption: str) -> str:
    text = " ".join(caption.split())
    if len(text) > MAX_CAPTION:
        raise PictureRefused(f"A caption can be at most {MAX_CAPTION} characters.")
    return text


def _sniff(data: bytes) -> str:
    if data.startswith(_PNG_MAGIC):
        return PNG
    if data.startswith(_JPEG_MAGIC):
        return JPEG
    raise PictureRefused("That file is not a PNG or JPEG picture.")


def prepare_picture(
    data: bytes,
    caption: str = "",
    *,
    picture_id: str | None = None,
    added_on: date | None = None,
) -> Picture:
    """Decode ``data``, check it, apply its orientation and re-encode it without any metadata.

    :raises PictureRefused: with a sentence a person can act on.
    """
    if len(data) > MAX_FILE_BYTES:
        raise PictureRefused(
            f"That picture is too large ({len(data) // (1024 * 1024)} MB); "
            f"choose one under {MAX_FILE_BYTES // (1024 * 1024)} MB."
        )
    kind = _sniff(data)
    text = clean_caption(caption)
    image = _decode(data, kind)
    pixels, keep_png = _clean_pixels(image)
    encoded, media_type = _encode(pixels, png=keep_png and kind == PNG)
    return Picture(
        id=picture_id or uuid.uuid4().hex[:16],
        media_type=media_type,
        width=pixels.width,
        height=pixels.height,
        data=encoded,
        caption=text,
        added_on=added_on,
    )


def _decode(data: bytes, kind: str) -> Any:
    from PIL import Image, ImageFile, UnidentifiedImageError

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    formats = ["PNG"] if kind == PNG else ["JPEG"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=formats)
            width, height = image.size
            if width <= 0 or height <= 0:
                raise PictureRefused("That picture has no pixels.")
            if width * height > MAX_SOURCE_PIXELS:
                raise PictureRefused(
                    f"That picture is too big to open safely ({width} × {height} pixels); "
                    "choose a smaller one."
                )
            image.load()
    except PictureRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureRefused(
            "That picture is too big to open safely; choose a smaller one."
        ) from None
    except UnidentifiedImageError:
        raise PictureRefused(
            "That file is not a PNG or JPEG picture Transitions can read."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow reports a cut-off file, a broken chunk or a bad header this way
        raise PictureRefused(
            "That picture is damaged or incomplete (perhaps it did not finish copying); "
            "choose the file again."
        ) from None
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)  # an animated PNG: the first frame only
    return image


def _clean_pixels(image: Any) -> tuple[Any, bool]:
    """The pixels alone, upright, in sRGB, at most MAX_EDGE on the long side; and whether the
    picture is worth keeping as PNG (a drawing) rather than JPEG (a photo)."""
    from PIL import Image, ImageOps

    upright = ImageOps.exif_transpose(image) or image
    icc = image.info.get("icc_profile")
    if icc and upright.mode in ("RGB", "RGBA"):
        upright = _to_srgb(upright, icc)
    if upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    ):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    elif upright.mode == "L":
        pass
    elif upright.mode != "RGB":
        upright = upright.convert("RGB")
    if max(upright.size) > MAX_EDGE:
        upright = upright.copy()
        upright.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    # a new image from the raw pixels: no info dictionary, no EXIF, no text, no profile
    fresh = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    return fresh, image.format == "PNG"


def _to_srgb(image: Any, icc: bytes) -> Any:
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(image, source, target, outputMode=image.mode)
    except Exception:  # noqa: BLE001 - a broken profile: keep the pixels as they are
        return image


def _encode(image: Any, *, png: bool) -> tuple[bytes, str]:
    """PNG for a drawing when it fits, otherwise JPEG at falling quality, then smaller."""
    from PIL import Image

    current = image
    for _attempt in range(6):
        if png:
            out = io.BytesIO()
            current.save(out, format="PNG", optimize=True)
            if out.tell() <= MAX_STORED_BYTES:
                return out.getvalue(), PNG
        rgb = current if current.mode in ("RGB", "L") else current.convert("RGB")
        for quality in _JPEG_QUALITIES:
            out = io.BytesIO()
            rgb.save(out, format="JPEG", quality=quality, optimize=True, exif=b"")
            if out.tell() <= MAX_STORED_BYTES:
                return out.getvalue(), JPEG
        smaller = (max(1, int(current.width * 0.75)), max(1, int(current.height * 0.75)))
        current = current.resize(smaller, Image.Resampling.LANCZOS)
    raise PictureRefused("That picture could not be made small enough to keep.")


# --- a record's pictures ---------------------------------------------------------------------


def with_picture(pictures: tuple[Picture, ...], picture: Picture) -> tuple[Picture, ...]:
    """``pictures`` with one more at the end; refused when the record already holds the most."""
    if len(pictures) >= MAX_PICTURES:
        raise PictureRefused(
            f"A record can hold {MAX_PICTURES} pictures; remove one before adding another."
        )
    if any(p.id == picture.id for p in pictures):
        raise PictureRefused("That picture is already in the record.")
    return (*pictures, picture)


def without_picture(pictures: tuple[Picture, ...], picture_id: str) -> tuple[Picture, ...]:
    kept = tuple(p for p in pictures if p.id != picture_id)
    if len(kept) == len(pictures):
        raise PictureRefused("That picture is not in the record.")
    return kept


def with_caption(
    pictures: tuple[Picture, ...], picture_id: str, caption: str
) -> tuple[Picture, ...]:
    import dataclasses

    text = clean_caption(caption)
    if not any(p.id == picture_id for p in pictures):
        raise PictureRefused("That picture is not in the record.")
    return tuple(
        dataclasses.replace(p, caption=text) if p.id == picture_id else p for p in pictures
    )


# --- JSON -------------------------------------------------------------------------------------


def picture_to_json(picture: Picture) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": picture.id,
        "media_type": picture.media_type,
        "width": picture.width,
        "height": picture.height,
        "caption": picture.caption,
        "data": base64.b64encode(picture.data).decode("ascii"),
    }
    if picture.added_on is not None:
        out["added_on"] = picture.added_on.isoformat()
    return out


def _bad(what: str) -> InterchangeError:
    return InterchangeError(f"One of the record's pictures {what}.")


def picture_from_json(raw: Any) -> Picture:
    """A picture from the interchange JSON, checked (type, size, that the bytes are what they
    say) but not decoded: it was cleaned when it was taken in."""
    if not isinstance(raw, Mapping):
        raise _bad("is not an object")
    unknown = set(raw) - {"id", "media_type", "width", "height", "caption", "data", "added_on"}
    if unknown:
        raise _bad(f"has unknown details ({', '.join(sorted(unknown))})")
    pid, media, caption, data = (
        raw.get("id"),
        raw.get("media_type"),
        raw.get("caption", ""),
        raw.get("data"),
    )
    width, height = raw.get("width"), raw.get("height")
    if not isinstance(pid, str) or not 1 <= len(pid) <= 64:
        raise _bad("has a missing or too long id")
    if media not in MEDIA_TYPES:
        raise _bad("is not a PNG or JPEG")
    if not isinstance(caption, str) or len(caption) > MAX_CAPTION:
        raise _bad(f"has a caption that is not text of at most {MAX_CAPTION} characters")
    for value in (width, height):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EDGE:
            raise _bad(f"has a size that is not 1 to {MAX_EDGE} pixels")
    if not isinstance(data, str) or len(data) > (MAX_STORED_BYTES * 4) // 3 + 8:
        raise _bad("is missing or too large")
    try:
        blob = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _bad("is not valid base64") from None
    try:
        if _sniff(blob) != media:
            raise _bad("is not the kind of image it says it is")
    except PictureRefused:
        raise _bad("is not a PNG or JPEG") from None
    added: date | None = None
    if "added_on" in raw:
        try:
            added = date.fromisoformat(str(raw["added_on"]))
        except ValueError:
            raise _bad("has an added date that is not a real date") from None
    return Picture(pid, str(media), int(width), int(height), blob, caption, added)  # type: ignore[arg-type]


def pictures_from_json(raw: Any) -> tuple[Picture, ...]:
    if not isinstance(raw, list):
        raise InterchangeError("The record's pictures must be a list.")
    if len(raw) > MAX_PICTURES:
        raise InterchangeError(f"The record has more than {MAX_PICTURES} pictures.")
    pictures = tuple(picture_from_json(item) for item in raw)
    if len({p.id for p in pictures}) != len(pictures):
        raise InterchangeError("Two of the record's pictures have the same id.")
    return pictures


def pictures_to_json(pictures: Iterable[Picture]) -> list[dict[str, Any]]:
    return [picture_to_json(p) for p in pictures]
