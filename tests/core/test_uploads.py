from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kabinet.core.uploads import (
    IMAGES,
    JPEG,
    PDF,
    check_upload,
    private_file_response,
    store_upload,
)
from tests.factories import bomb_png_bytes, bomb_png_upload, truncated_jpeg_upload


def png_bytes(size: tuple[int, int] = (20, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_kind_is_read_from_content_not_from_name() -> None:
    # A JPEG named .pdf is a JPEG; the name does not matter.
    assert check_upload(SimpleUploadedFile("scan.pdf", jpeg_bytes(), "application/pdf")) is JPEG
    assert check_upload(SimpleUploadedFile("bill.jpg", PDF_BYTES, "image/jpeg")) is PDF


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"MZ\x90\x00 an executable renamed", "bad_type"),
        (b"<html><script>alert(1)</script>", "bad_type"),
        (b"", "empty"),
        # The JPEG signature without a decodable picture behind it.
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "bad_type"),
    ],
)
def test_refuses_what_is_not_an_allowed_file(content: bytes, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("photo.jpg", content, "image/jpeg"))
    assert error.value.code == code


@pytest.mark.parametrize(
    ("upload", "code", "message"),
    [
        (bomb_png_upload(), "bad_type", "Файл повреждён или это не изображение."),
        (truncated_jpeg_upload(), "bad_type", "Файл повреждён или это не изображение."),
        (
            SimpleUploadedFile("cut.png", png_bytes((300, 300))[:-40], "image/png"),
            "bad_type",
            "Файл повреждён или это не изображение.",
        ),
        # 81 Mpx: below Pillow's own guard, above what a phone camera takes.
        (
            SimpleUploadedFile("huge.png", bomb_png_bytes(9_000, 9_000), "image/png"),
            "too_large",
            "Изображение слишком большое.",
        ),
    ],
    ids=["decompression-bomb", "truncated-jpeg", "truncated-png", "too-many-pixels"],
)
def test_an_image_the_decoder_refuses_is_a_validation_error(
    upload: SimpleUploadedFile, code: str, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        check_upload(upload)
    assert (error.value.code, error.value.message) == (code, message)


def test_pdf_refused_where_only_images_are_allowed() -> None:
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("a.pdf", PDF_BYTES), allowed=IMAGES)
    assert error.value.code == "bad_type"
    assert "JPG" in str(error.value.message)


def test_size_limit(settings: pytest.FixtureRequest) -> None:
    settings.UPLOAD_MAX_BYTES = 1024  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("big.png", png_bytes((400, 400)) + b"\0" * 2048))
    assert error.value.code == "too_large"


def test_stored_under_a_generated_name_outside_media(tmp_path: Path) -> None:
    stored = store_upload(
        SimpleUploadedFile("Иванов квартира 5.png", png_bytes()), folder="readings"
    )
    assert stored.original_name == "Иванов квартира 5.png"
    assert "Иванов" not in stored.name
    assert stored.name.startswith("readings/")
    assert stored.name.endswith(".png")
    path = tmp_path / "uploads" / stored.name
    assert path.read_bytes() == png_bytes()
    assert len(stored.sha256) == 64

    response = private_file_response(
        stored.name, content_type=stored.kind.content_type, download_name="photo.png"
    )
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == png_bytes()  # type: ignore[arg-type]
