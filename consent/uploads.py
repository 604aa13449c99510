"""Checking an uploaded consent form: PDF, JPEG or PNG only, proven by parsing the content (not
trusted by name or by the browser's content type); encrypted PDFs, PDFs with active content
(JavaScript, XFA forms, actions that launch, submit, import, open links or other files, embedded
media and attached files) and oversized files are refused with a message that says why. Active
content is refused, never stripped: removing parts would alter a signed form."""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
# What makes a PDF run, send, fetch or open something when it is opened or clicked, and what the
# message calls it. A scanned or printed form has none of it; links within the file (/GoTo) and
# named actions (next page, print) stay allowed. Lazy: the labels are read at import time.
JAVASCRIPT = gettext_lazy("JavaScript")
XFA = gettext_lazy("ett XFA-formulär (som kan innehålla skript)")
SUBMIT = gettext_lazy("en funktion som skickar formulärets uppgifter")
URI = gettext_lazy("en länk till en webbadress")
LAUNCH = gettext_lazy("en funktion som startar ett program")
REMOTE = gettext_lazy("en länk till en annan fil")
IMPORT = gettext_lazy("en funktion som hämtar uppgifter från en annan fil")
MEDIA = gettext_lazy("inbäddad video, ljud eller 3D")
ATTACHMENT = gettext_lazy("en bifogad fil")
# Dictionary keys that are active wherever they appear.
ACTIVE_PDF_KEYS = {
    "/JS": JAVASCRIPT,
    "/JavaScript": JAVASCRIPT,  # the document's name tree of scripts
    "/XFA": XFA,
    "/EmbeddedFiles": ATTACHMENT,  # the document's name tree of attached files
    "/EF": ATTACHMENT,  # a file specification that carries the file itself
    "/RichMediaContent": MEDIA,
}
# Action types (the /S of an action dictionary).
ACTIVE_PDF_ACTIONS = {
    "/JavaScript": JAVASCRIPT,
    "/Launch": LAUNCH,
    "/SubmitForm": SUBMIT,
    "/ImportData": IMPORT,
    "/URI": URI,
    "/GoToR": REMOTE,
    "/GoToE": REMOTE,
    "/RichMediaExecute": MEDIA,
    "/Rendition": MEDIA,
    "/Movie": MEDIA,
    "/Sound": MEDIA,
}
# Annotation types (the /Subtype of an annotation) that play or hold something.
ACTIVE_PDF_ANNOTATIONS = {
    "/RichMedia": MEDIA,
    "/Movie": MEDIA,
    "/Sound": MEDIA,
    "/Screen": MEDIA,
    "/3D": MEDIA,
    "/FileAttachment": ATTACHMENT,
}
MAX_PDF_OBJECTS = 20_000


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    extension: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _megabytes(size: int, *, round_up: bool = False) -> str:
    tenths = size / 104_857.6
    tenths = math.ceil(tenths) if round_up else round(tenths)
    return f"{tenths / 10:.1f}".replace(".", ",")


def check_upload(uploaded) -> CheckedUpload:
    limit = settings.CONSENT_UPLOAD_MAX_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(
            _("Filen är för stor (%(size)s MB). Den får vara högst %(limit)s MB.")
            % {"size": _megabytes(uploaded.size, round_up=True), "limit": _megabytes(limit)},
            code="too_large",
        )
    content = uploaded.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(
            _("Filen är för stor. Den får vara högst %(limit)s MB.") % {"limit": _megabytes(limit)},
            code="too_large",
        )
    if not content:
        raise ValidationError(_("Filen är tom."), code="empty")
    if content.startswith(b"%PDF-"):
        _check_pdf(content)
        content_type = PDF
    elif content.startswith(b"\xff\xd8\xff"):
        _check_image(content, "JPEG")
        content_type = JPEG
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(content, "PNG")
        content_type = PNG
    else:
        raise ValidationError(
            _(
                "Filen är inte en PDF, JPEG eller PNG, oavsett vad den heter. Skanna eller "
                "fotografera den underskrivna blanketten och ladda upp den som PDF, JPEG eller PNG."
            ),
            code="wrong_type",
        )
    return CheckedUpload(
        content=content,
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _check_pdf(content: bytes) -> None:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("PDF-filen är krypterad eller lösenordsskyddad. Ladda upp en PDF utan skydd."),
                code="encrypted",
            )
        if len(reader.pages) == 0:
            raise ValidationError(_("PDF-filen har inga sidor."), code="empty_pdf")
        found = _active_content(reader)
        if found is None:
            raise ValidationError(
                _(
                    "PDF-filen har för många delar för att kunna kontrolleras och tas inte emot. "
                    "Skriv ut och skanna blanketten i stället."
                ),
                code="too_complex",
            )
        if found:
            raise ValidationError(
                _(
                    "PDF-filen innehåller aktiva funktioner som inte tas emot: %(found)s. Skriv ut "
                    "och skanna blanketten i stället."
                )
                % {"found": ", ".join(found)},
                code="active_content",
            )
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds for a broken file
        raise ValidationError(
            _("PDF-filen går inte att läsa (%(error)s). Den kan vara skadad.")
            % {"error": type(error).__name__},
            code="unreadable",
        ) from None


def _active_content(reader) -> list[str] | None:
    """Walks every object reachable from the trailer (bounded) and names the active content found,
    each kind once, in the order met; None when the file is too large to vouch for."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    found: list[str] = []

    def note(what) -> None:
        if str(what) not in found:
            found.append(str(what))

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            return None
        if isinstance(node, DictionaryObject):
            for name, value in node.items():
                if name in ACTIVE_PDF_KEYS:
                    note(ACTIVE_PDF_KEYS[name])
                if isinstance(value, NameObject):
                    if name == "/S" and value in ACTIVE_PDF_ACTIONS:
                        note(ACTIVE_PDF_ACTIONS[value])
                    elif name == "/Subtype" and value in ACTIVE_PDF_ANNOTATIONS:
                        note(ACTIVE_PDF_ANNOTATIONS[value])
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return found


def _check_image(content: bytes, expected: str) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format != expected:
                    raise ValidationError(_("Filen är inte en giltig bild."), code="wrong_type")
                image.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("Bilden är orimligt stor."), code="too_large") from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for broken images
        raise ValidationError(
            _("Bilden går inte att läsa. Den kan vara skadad."), code="unreadable"
        ) from None
