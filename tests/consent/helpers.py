"""Files for upload tests, made here rather than stored: real PDFs and images, and the bad ones."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf_bytes(*, encrypt: bool = False, javascript: bool = False, launch: bool = False) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if javascript:
        from pypdf.actions import JavaScript

        writer.add_open_action(JavaScript("app.alert('hej');"))
    if launch:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("calc.exe"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = action
    if encrypt:
        writer.encrypt("hemligt")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(fmt: str = "PNG") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format=fmt)
    return buffer.getvalue()


def upload(content: bytes, name: str = "blankett.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
