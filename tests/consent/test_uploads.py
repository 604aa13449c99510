from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from consent.uploads import check_upload
from tests.consent.helpers import ELF, image_bytes, pdf_bytes, upload


def test_accepts_pdf_jpeg_and_png_by_their_content():
    assert check_upload(upload(pdf_bytes())).content_type == "application/pdf"
    jpeg = check_upload(upload(image_bytes("JPEG"), "foto.pdf", "application/pdf"))
    assert jpeg.content_type == "image/jpeg" and jpeg.extension == ".jpg"
    png = check_upload(upload(image_bytes("PNG"), "scan.png", "image/png"))
    assert png.content_type == "image/png" and len(png.sha256) == 64


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (ELF, "blankett.pdf", "inte en PDF, JPEG eller PNG"),
        (b"MZ\x90\x00" + b"\x00" * 100, "blankett.png", "inte en PDF, JPEG eller PNG"),
        (b"<html><script>alert(1)</script></html>", "blankett.pdf", "inte en PDF, JPEG eller PNG"),
        (b"", "tom.pdf", "tom"),
        (b"%PDF-1.7\nnot really a pdf", "trasig.pdf", "går inte att läsa"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "trasig.png", "Bilden går inte att läsa"),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 10, "trasig.jpg", "Bilden går inte att läsa"),
    ],
)
def test_disguised_and_broken_files_are_refused(content, name, message):
    with pytest.raises(ValidationError, match=message):
        check_upload(upload(content, name))


def test_encrypted_pdf_is_refused():
    with pytest.raises(ValidationError, match="krypterad"):
        check_upload(upload(pdf_bytes(encrypt=True)))


def test_pdf_with_javascript_is_refused():
    with pytest.raises(ValidationError, match="JavaScript"):
        check_upload(upload(pdf_bytes(javascript=True)))


def test_pdf_with_launch_action_is_refused():
    with pytest.raises(ValidationError, match="aktiva funktioner"):
        check_upload(upload(pdf_bytes(launch=True)))


def test_oversized_file_is_refused_with_the_limit(settings):
    settings.CONSENT_UPLOAD_MAX_BYTES = 1_048_576
    big = pdf_bytes() + b"%" + b"x" * 1_100_000
    with pytest.raises(ValidationError) as error:
        check_upload(upload(big))
    assert "Filen är för stor (1,1 MB). Den får vara högst 1,0 MB." in str(error.value)
