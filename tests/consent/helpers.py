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


# Each kind of active content a PDF can carry, built the way a real file carries it.
ACTIVE_KINDS = (
    "xfa_script",
    "submit_form",
    "uri_link",
    "launch_link",
    "goto_remote",
    "import_data",
    "rich_media",
    "embedded_file",
    "file_attachment",
    "javascript_in_page_action",
)


def active_pdf_bytes(kind: str) -> bytes:
    """A one-page PDF carrying one kind of active content (ACTIVE_KINDS)."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    def name(value):
        return NameObject(value)

    def text(value):
        return TextStringObject(value)

    def action(subtype, **entries):
        return DictionaryObject(
            {name("/Type"): name("/Action"), name("/S"): name(subtype)}
            | {name(f"/{key}"): value for key, value in entries.items()}
        )

    def annotation(subtype, **entries):
        rect = ArrayObject([FloatObject(v) for v in (50, 50, 200, 80)])
        return DictionaryObject(
            {name("/Type"): name("/Annot"), name("/Subtype"): name(subtype), name("/Rect"): rect}
            | {name(f"/{key}"): value for key, value in entries.items()}
        )

    def stream(data: bytes):
        obj = DecodedStreamObject()
        obj.set_data(data)
        return writer._add_object(obj)

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    root = writer._root_object
    if kind == "xfa_script":
        xfa = (
            b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template '
            b'xmlns="http://www.xfa.org/schema/xfa-template/3.3/"><subform name="form1">'
            b'<event activity="initialize"><script contentType="application/x-javascript">'
            b'xfa.host.messageBox("hej");</script></event></subform></template></xdp:xdp>'
        )
        root[name("/AcroForm")] = DictionaryObject(
            {name("/Fields"): ArrayObject(), name("/XFA"): stream(xfa)}
        )
    elif kind == "submit_form":
        url = DictionaryObject(
            {name("/FS"): name("/URL"), name("/F"): text("https://example.invalid/in")}
        )
        root[name("/OpenAction")] = action("/SubmitForm", F=url)
    elif kind == "uri_link":
        link = annotation(
            "/Link", A=action("/URI", URI=text("https://example.invalid/spara-personnummer"))
        )
        writer.add_annotation(page, link)
    elif kind == "launch_link":
        writer.add_annotation(page, annotation("/Link", A=action("/Launch", F=text("cmd.exe"))))
    elif kind == "goto_remote":
        target = ArrayObject([FloatObject(0), name("/Fit")])
        remote = action("/GoToR", F=text("\\\\server\\share\\a.pdf"), D=target)
        writer.add_annotation(page, annotation("/Link", A=remote))
    elif kind == "import_data":
        root[name("/OpenAction")] = action("/ImportData", F=text("data.fdf"))
    elif kind == "rich_media":
        content = DictionaryObject(
            {
                name("/Type"): name("/RichMediaContent"),
                name("/Assets"): DictionaryObject({name("/Names"): ArrayObject()}),
            }
        )
        writer.add_annotation(page, annotation("/RichMedia", RichMediaContent=content))
    elif kind == "embedded_file":
        writer.add_attachment("faktura.exe", b"MZ" + b"\x00" * 64)
    elif kind == "file_attachment":
        embedded = stream(b"MZ" + b"\x00" * 64)
        spec = DictionaryObject(
            {
                name("/Type"): name("/Filespec"),
                name("/F"): text("bilaga.exe"),
                name("/EF"): DictionaryObject({name("/F"): embedded}),
            }
        )
        writer.add_annotation(page, annotation("/FileAttachment", FS=spec))
    elif kind == "javascript_in_page_action":
        page[name("/AA")] = DictionaryObject(
            {name("/O"): action("/JavaScript", JS=text("app.alert('hej');"))}
        )
    else:
        raise ValueError(kind)
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
