from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError

from consent.uploads import check_upload
from tests.consent.helpers import (
    ACTIVE_KINDS,
    ELF,
    active_pdf_bytes,
    image_bytes,
    pdf_bytes,
    upload,
)


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


# What each kind of active content is called in the message, so the user knows what to avoid.
ACTIVE_CONTENT_NAMED = {
    "xfa_script": "XFA-formulär",
    "submit_form": "skickar formulärets uppgifter",
    "uri_link": "länk till en webbadress",
    "launch_link": "startar ett program",
    "goto_remote": "länk till en annan fil",
    "import_data": "hämtar uppgifter från en annan fil",
    "rich_media": "inbäddad video, ljud eller 3D",
    "embedded_file": "bifogad fil",
    "file_attachment": "bifogad fil",
    "javascript_in_page_action": "JavaScript",
}


@pytest.mark.parametrize("kind", ACTIVE_KINDS)
def test_pdf_with_active_content_is_refused_and_named(kind):
    """Refused, not stripped: removing parts would alter a signed form."""
    content = active_pdf_bytes(kind)
    with pytest.raises(ValidationError) as error:
        check_upload(upload(content))
    message = error.value.messages[0]
    assert error.value.code == "active_content"
    assert "aktiva funktioner" in message and ACTIVE_CONTENT_NAMED[kind] in message
    assert "skanna" in message


def test_scanned_pdf_and_internal_links_are_accepted():
    """A scanner's PDF is pages of images; a table of contents links within the file."""
    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    buffer = io.BytesIO()
    Image.new("RGB", (850, 1100), "white").save(buffer, format="PDF", resolution=100.0)
    scanned = buffer.getvalue()
    assert check_upload(upload(scanned)).content_type == "application/pdf"

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.add_blank_page(width=595, height=842)
    writer.add_outline_item(title="Sida 2", page_number=1)
    from pypdf.annotations import Link

    writer.add_annotation(0, Link(rect=(50, 50, 200, 80), target_page_index=1))
    linked = io.BytesIO()
    writer.write(linked)
    assert check_upload(upload(linked.getvalue())).content_type == "application/pdf"


def test_pdf_too_large_to_walk_is_refused(monkeypatch):
    monkeypatch.setattr("consent.uploads.MAX_PDF_OBJECTS", 3)
    with pytest.raises(ValidationError, match="för många delar") as error:
        check_upload(upload(pdf_bytes()))
    assert error.value.code == "too_complex"


def test_oversized_file_is_refused_with_the_limit(settings):
    settings.CONSENT_UPLOAD_MAX_BYTES = 1_048_576
    big = pdf_bytes() + b"%" + b"x" * 1_100_000
    with pytest.raises(ValidationError) as error:
        check_upload(upload(big))
    assert "Filen är för stor (1,1 MB). Den får vara högst 1,0 MB." in str(error.value)
