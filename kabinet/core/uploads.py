"""Files customers and staff upload: meter photos, appeal attachments, documents.

Every upload is checked by its content, never by its name or the browser's Content-Type: the
first bytes must be one of the allowed formats, and Pillow must read an image whole (a renamed
executable, a truncated JPEG or a decompression bomb is refused with a message, never a 500).
Files are stored under UPLOADS_ROOT, which is not served by the web server, under generated
names; a view that has checked who may see the file serves it with `private_file_response`.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image


@dataclass(frozen=True)
class FileKind:
    code: str
    content_type: str
    extension: str
    is_image: bool


JPEG = FileKind("jpeg", "image/jpeg", "jpg", True)
PNG = FileKind("png", "image/png", "png", True)
WEBP = FileKind("webp", "image/webp", "webp", True)
PDF = FileKind("pdf", "application/pdf", "pdf", False)

IMAGES: frozenset[FileKind] = frozenset({JPEG, PNG, WEBP})
IMAGES_AND_PDF: frozenset[FileKind] = IMAGES | {PDF}

# Pillow's own bomb guard warns at 89 Mpx; a phone photo is 12–50 Mpx, so anything beyond this is
# refused before it is decoded.
MAX_IMAGE_PIXELS = 80_000_000


def _sniff(head: bytes) -> FileKind | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def _describe(kinds: Iterable[FileKind]) -> str:
    return ", ".join(sorted(kind.extension.upper() for kind in kinds))


def check_upload(
    upload: UploadedFile,
    *,
    allowed: frozenset[FileKind] = IMAGES_AND_PDF,
    max_bytes: int | None = None,
) -> FileKind:
    """What the file really is; ValidationError (empty, too_large, bad_type) if not allowed."""
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("Файл пустой."), code="empty")
    if size > limit:
        raise ValidationError(
            _("Файл больше %(limit)s МБ.") % {"limit": f"{limit / 1024 / 1024:g}"},
            code="too_large",
        )
    upload.seek(0)
    kind = _sniff(upload.read(16))
    upload.seek(0)
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("Можно приложить только файлы %(kinds)s.") % {"kinds": _describe(allowed)},
            code="bad_type",
        )
    if kind.is_image:
        _check_image(upload, kind)
    return kind


def _check_image(upload: UploadedFile, kind: FileKind) -> None:
    """Refuse a picture Pillow cannot read whole: a bomb, a truncated or a corrupt file."""
    try:
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("Изображение слишком большое."), code="too_large")
            if kind is JPEG:
                # verify() does nothing for a JPEG, so one cut in half would pass: decode it,
                # at 1/8 scale (draft), which still reads every byte in 1/64 of the memory.
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
            else:
                # PNG: every chunk's checksum up to IEND, without inflating the pixels.
                image.verify()
    except ValidationError:
        raise
    except Exception as error:
        # Pillow's decoders refuse bad input with many exception types (DecompressionBombError,
        # OSError, SyntaxError, struct.error, ValueError, EOFError …), none of which may reach the
        # customer as a 500.
        raise ValidationError(
            _("Файл повреждён или это не изображение."), code="bad_type"
        ) from error
    finally:
        upload.seek(0)


class PrivateStorage(FileSystemStorage):
    """FileSystemStorage rooted at settings.UPLOADS_ROOT, read on every use (tests move it)."""

    def __init__(self) -> None:
        # No base_url: these files have no public URL at all.
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:
        return str(settings.UPLOADS_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


private_storage = PrivateStorage()


def get_private_storage() -> PrivateStorage:
    """For FileField(storage=get_private_storage), so migrations do not record a path."""
    return private_storage


def generated_name(folder: str, kind: FileKind) -> str:
    """A name that tells nothing of the customer or the file: folder/YYYY/MM/<uuid>.ext."""
    today = timezone.localdate()
    return f"{folder}/{today:%Y/%m}/{uuid.uuid4().hex}.{kind.extension}"


@dataclass(frozen=True)
class StoredFile:
    name: str
    kind: FileKind
    size: int
    sha256: str
    original_name: str


def store_upload(
    upload: UploadedFile,
    *,
    folder: str,
    allowed: frozenset[FileKind] = IMAGES_AND_PDF,
    max_bytes: int | None = None,
) -> StoredFile:
    """Check the file and save it under a generated name in private storage."""
    kind = check_upload(upload, allowed=allowed, max_bytes=max_bytes)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = private_storage.save(generated_name(folder, kind), upload)
    return StoredFile(
        name=name,
        kind=kind,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        original_name=(upload.name or "")[:255],
    )


def private_file_response(
    file: FieldFile | str, *, content_type: str, download_name: str, inline: bool = True
) -> FileResponse:
    """Serve a stored file to someone the caller has already checked may see it."""
    name = file if isinstance(file, str) else str(file.name)
    handle = private_storage.open(name, "rb")
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not inline,
        filename=download_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a crafted file slipped through, the browser runs nothing from it. Inline style is
    # for the page the browser itself wraps around an image it shows (centring, background).
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["Cache-Control"] = "private, no-store"
    return response
