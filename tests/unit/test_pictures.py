"""The child's pictures: cleaned on the way in, refused plainly when hostile, kept only encrypted,
carried in the record's JSON and printed in the exported PDF without their metadata."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from export.verify import verify_pdf
from models.errors import InterchangeError
from models.interchange import record_from_bytes, record_from_dict, record_to_bytes, record_to_dict
from models.pictures import (
    MAX_EDGE,
    MAX_PICTURES,
    MAX_STORED_BYTES,
    PictureRefused,
    prepare_picture,
    with_picture,
)
from models.synthetic import generate_records
from models.vault import KdfParams
from tests.pictures_helpers import (
    SECRET_EXIF,
    SECRET_TEXT,
    SECRET_XMP,
    bomb_png,
    drawing_png,
    photo_jpeg,
    truncated_jpeg,
)
from transitions_app.cli import main
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.export_service import ExportService
from transitions_app.services.family_service import FamilyService, read_picture_file
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "demo-password"
PDF_PASSWORD = "told-by-phone-2027"
SECRETS = (SECRET_TEXT.encode(), SECRET_XMP.encode(), SECRET_EXIF.encode())


# --- taking a picture in ------------------------------------------------------------------


def _reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_png_metadata_is_gone_and_the_pixels_stay() -> None:
    source = drawing_png()
    assert all(s in source for s in SECRETS)  # the file really carries text, XMP and EXIF
    picture = prepare_picture(source, "  My house   and the sun ")
    assert picture.caption == "My house and the sun"
    assert picture.media_type == "image/png"
    assert not any(s in picture.data for s in SECRETS)
    for marker in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"tIME"):
        assert marker not in picture.data
    clean = _reopened(picture.data)
    assert clean.size == (picture.width, picture.height) == (320, 240)
    assert not clean.getexif()
    assert set(clean.info) <= {"dpi", "gamma"}
    assert clean.convert("RGB").getpixel((55, 55)) == Image.open(io.BytesIO(source)).convert(
        "RGB"
    ).getpixel((55, 55))


def test_jpeg_exif_and_gps_are_gone_and_orientation_is_applied() -> None:
    source = photo_jpeg(400, 300, orientation=6)  # the camera says: turn it a quarter
    assert SECRET_EXIF.encode() in source
    assert b"Exif" in source
    picture = prepare_picture(source)
    assert picture.media_type == "image/jpeg"
    assert SECRET_EXIF.encode() not in picture.data
    assert b"Exif" not in picture.data
    clean = _reopened(picture.data)
    assert clean.size == (300, 400)  # upright now
    assert not clean.getexif()
    assert clean.getexif().get_ifd(0x8825) == {}
    # the red band the camera saw on the left is at the top once turned
    r, g, b = clean.convert("RGB").getpixel((150, 20))
    assert r > 200
    assert g < 80
    assert b < 80


def test_large_pictures_are_made_smaller() -> None:
    picture = prepare_picture(photo_jpeg(4000, 3000, orientation=1))
    assert max(picture.width, picture.height) == MAX_EDGE
    assert len(picture.data) <= MAX_STORED_BYTES


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not what we take", "not a PNG or JPEG"),
        (b"%PDF-1.7 a pdf renamed .png", "not a PNG or JPEG"),
        (b"", "not a PNG or JPEG"),
        (bomb_png(), "too big to open safely"),
        (bomb_png(7000, 7000), "too big to open safely"),  # 49 megapixels: under Pillow's own limit
        (truncated_jpeg(), "damaged or incomplete"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a PNG or JPEG picture Transitions can read"),
        (drawing_png()[:300], "damaged or incomplete"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (21 * 1024 * 1024), "too large"),
    ],
    ids=[
        "gif",
        "pdf",
        "empty",
        "bomb",
        "49-megapixels",
        "truncated-jpeg",
        "garbage-png",
        "cut-png",
        "21-mb",
    ],
)
def test_hostile_files_are_refused_plainly(data: bytes, message: str) -> None:
    with pytest.raises(PictureRefused, match=message):
        prepare_picture(data)


def test_hostile_paths_are_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    with huge.open("wb") as handle:  # 50 MB, sparse: refused from its size alone
        handle.write(b"\x89PNG\r\n\x1a\n")
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(PictureRefused, match="too large .50 MB."):
        read_picture_file(huge)
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(PictureRefused, match="not a picture file"):
        read_picture_file(fifo)  # would block forever if it were opened
    with pytest.raises(PictureRefused, match="not a picture file"):
        read_picture_file(tmp_path)
    with pytest.raises(PictureRefused, match="Cannot read"):
        read_picture_file(tmp_path / "missing.jpg")


def test_captions_and_counts_are_limited() -> None:
    with pytest.raises(PictureRefused, match="at most 200"):
        prepare_picture(drawing_png(metadata=False), "x" * 201)
    pictures: tuple = ()
    for n in range(MAX_PICTURES):
        pictures = with_picture(pictures, prepare_picture(drawing_png(metadata=False), f"{n}"))
    with pytest.raises(PictureRefused, match="remove one"):
        with_picture(pictures, prepare_picture(drawing_png(metadata=False)))


# --- the interchange JSON --------------------------------------------------------------------


def test_pictures_round_trip_in_format_2_and_records_without_them_stay_format_1() -> None:
    record = generate_records(1, seed=3)[0]
    plain = record_to_dict(record)
    assert plain["format_version"] == 1
    assert "pictures" not in plain
    record.pictures = (prepare_picture(drawing_png(), "Me", added_on=date(2027, 3, 1)),)
    data = record_to_bytes(record)
    back = record_from_bytes(data)
    assert back == record
    assert back.pictures[0].data == record.pictures[0].data
    assert record_to_dict(back)["format_version"] == 2
    assert record_to_bytes(back) == data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.update(data="!!!not base64!!!"), "base64"),
        (lambda p: p.update(media_type="image/gif"), "PNG or JPEG"),
        (lambda p: p.update(media_type="image/jpeg"), "kind of image"),
        (lambda p: p.update(width=0), "size"),
        (lambda p: p.update(caption="x" * 500), "caption"),
        (lambda p: p.update(secret="x"), "unknown"),
        (lambda p: p.update(data="A" * 800_000), "too large"),
    ],
)
def test_bad_pictures_in_json_are_refused(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    record = generate_records(1, seed=3)[0]
    record.pictures = (prepare_picture(drawing_png()),)
    data = record_to_dict(record)
    mutate(data["pictures"][0])
    with pytest.raises(InterchangeError, match=message):
        record_from_dict(data)


def test_too_many_pictures_in_json_are_refused() -> None:
    record = generate_records(1, seed=3)[0]
    record.pictures = (prepare_picture(drawing_png()),)
    data = record_to_dict(record)
    data["pictures"] = [dict(data["pictures"][0], id=f"p{n}") for n in range(MAX_PICTURES + 1)]
    with pytest.raises(InterchangeError, match="more than"):
        record_from_dict(data)


# --- kept encrypted, exported as an image --------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pictures") / "vault"
    create_demo_vault(directory, children=6, seed=2, kdf=FAST)
    return directory


def _files_under(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def test_attached_png_is_kept_only_encrypted_and_exported_as_a_clean_image(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault_dir = tmp_path / "vault"
    shutil.copytree(demo, vault_dir)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    camera = tmp_path / "camera" / "drawing.png"
    camera.parent.mkdir()
    camera.write_bytes(drawing_png(640, 480))

    manager = VaultService.open(vault_dir, "manager", PASSWORD)
    try:
        exporter = ExportService(manager, workers=1)
        target = next(
            r
            for r in manager.list_records()
            if r.status == "signed_off" and r.get("send.status") in (None, "none", "monitoring")
        )
        family = FamilyService(manager, clock=lambda: datetime(2027, 3, 5, 10, tzinfo=UTC))
        picture = family.picture_from_file(camera, "My house and the sun")
        record = family.attach_picture(target.id, picture)
        assert record.status == "draft"  # a new picture re-opens a signed-off record
        for scope in ("record", "manager"):
            manager.sign_off(target.id, scope)
        report = exporter.export(
            [target.id], tmp_path / "out", packets="teacher", password=PDF_PASSWORD
        )
        assert report.ok, [r.message() for r in report.refused]
    finally:
        manager.close()

    # nothing readable under the vault folder or the temporary folder: not the metadata, not the
    # picture's own bytes, not the source file's pixel data
    stored = picture.data
    source = camera.read_bytes()
    idat = source.index(b"IDAT")
    needles = [
        *SECRETS,
        stored[len(stored) // 2 : len(stored) // 2 + 48],
        source[idat + 8 : idat + 56],
    ]
    looked_at = _files_under(vault_dir, temp)
    assert any(p.name == "vault.db" for p in looked_at)
    for path in looked_at:
        content = path.read_bytes()
        for needle in needles:
            assert needle not in content, f"{needle[:20]!r} readable in {path}"

    # the exported PDF shows the picture as an image and carries none of the metadata
    pdf_bytes = report.files[0].path.read_bytes()
    result = verify_pdf(pdf_bytes, trust_roots=[], accept_self_signed=True, password=PDF_PASSWORD)
    assert result.record_json is not None
    exported = record_from_bytes(result.record_json)
    assert [p.data for p in exported.pictures] == [stored]  # carried in the embedded JSON
    with pikepdf.open(io.BytesIO(pdf_bytes), password=PDF_PASSWORD) as pdf:
        sizes = [
            (int(img.Width), int(img.Height))
            for page in pdf.pages
            for img in page.get_images().values()
        ]
        assert (640, 480) in sizes
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                data = obj.read_bytes()
                assert not any(s in data for s in SECRETS)


def test_cli_attach_lists_and_removes(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault_dir = tmp_path / "vault"
    shutil.copytree(demo, vault_dir)
    monkeypatch.setenv("TRANSITIONS_PASSWORD", PASSWORD)
    session = VaultService.open(vault_dir, "keyperson", PASSWORD)
    record_id = session.list_records()[0].id
    session.close()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photo_jpeg())
    base = ["--vault", str(vault_dir), "--user", "keyperson"]
    assert (
        main(
            [
                "records",
                "attach",
                record_id,
                str(photo),
                "--caption",
                "At the park",
                *base,
                "--json",
            ]
        )
        == 0
    )
    import json

    added = json.loads(capsys.readouterr().out)
    assert added["pictures"] == 1
    assert added["media_type"] == "image/jpeg"
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(truncated_jpeg())
    assert main(["records", "attach", record_id, str(bad), *base]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "damaged or incomplete" in err
    assert "Traceback" not in err
    assert (
        main(
            [
                "family",
                "pictures",
                "--record",
                record_id,
                *base,
                "--remove",
                added["picture_id"],
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["pictures"] == []
