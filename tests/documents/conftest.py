"""Fixtures and PDF helpers (pdftotext, pdftoppm + zbarimg) for the documents tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kabinet.billing.models import Bill
from tests.documents.sample import make_two_recipient_bill


@pytest.fixture
def two_recipient_bill() -> Bill:
    return make_two_recipient_bill()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "bill.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return result.stdout


def decode_qr_codes(pdf: bytes, tmp_path: Path, *, dpi: int = 200) -> list[str]:
    """Rasterise every page with pdftoppm at `dpi` and read every QR code with zbarimg."""
    for tool in ("pdftoppm", "zbarimg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: apt-get install poppler-utils zbar-tools")
    path = tmp_path / "bill.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(path), str(tmp_path / "page")], check=True
    )
    codes: list[str] = []
    for page in sorted(tmp_path.glob("page*.png")):
        result = subprocess.run(
            ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(page)],
            capture_output=True,
        )
        # zbarimg exits 4 when a page has no code at all.
        assert result.returncode in (0, 4), result.stderr
        codes += [line for line in result.stdout.decode("utf-8").splitlines() if line]
    return codes
