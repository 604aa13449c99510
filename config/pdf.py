"""PDF documents, rendered in-process by WeasyPrint: tagged PDF/UA, Swedish, marked
"Omfattas av sekretess", and fetching nothing but our own static files.

A document that cannot be made raises PdfError, an ordinary exception that
config.middleware.ErrorPageMiddleware answers with a page in Swedish."""

from __future__ import annotations

import mimetypes
import posixpath

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

PDF_VARIANT = "pdf/ua-1"
SCHEME = "static:"


class PdfError(Exception):
    """The document could not be made (a static file it needs could not be read, or WeasyPrint
    failed). The message names the file, never the document's contents."""


def _static_name(url: str) -> str:
    """The static file's name for a URL the template made with {% static %} (/static/css/x.css)
    or relative to the base URL (static:css/x.css); anything else is refused."""
    if url.startswith(SCHEME):
        name = url.removeprefix(SCHEME).lstrip("/")
        name = name.removeprefix(settings.STATIC_URL.strip("/") + "/")
    elif url.startswith(settings.STATIC_URL):
        name = url.removeprefix(settings.STATIC_URL)
    else:
        raise ValueError(f"refused to fetch {url[:80]!r}")
    name = name.split("?", 1)[0].split("#", 1)[0]
    normalised = posixpath.normpath(name)
    if not name or normalised.startswith(("..", "/")) or normalised != name:
        raise ValueError(f"refused to fetch {url[:80]!r}")
    return name


def _read_static(name: str) -> bytes:
    """The file as the static storage holds it (in production collectstatic's output, where the
    templates' names are hashed: css/pdf.3f2a….css), else from the source folders through the
    finders (in development, and for a name the storage lacks)."""
    try:
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as handle:
                return handle.read()
    except (SuspiciousFileOperation, OSError):
        pass
    path = finders.find(name)
    if not path:
        raise ValueError(f"no static file {name[:80]!r}")
    with open(path, "rb") as handle:
        return handle.read()


def static_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Our static files and nothing else: no network, no other paths on the server. A
        missing file stops the rendering instead of producing a document without its styles."""

        def __init__(self):
            super().__init__(fail_on_errors=True)

        def fetch(self, url, headers=None):
            name = _static_name(url)
            body = _read_static(name)
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticOnlyFetcher()


def html_to_pdf(html: str) -> bytes:
    """The document as PDF/UA, or PdfError."""
    import weasyprint

    try:
        document = weasyprint.HTML(string=html, base_url=SCHEME, url_fetcher=static_fetcher())
        return document.write_pdf(pdf_variant=PDF_VARIANT)
    except (KeyboardInterrupt, SystemExit):
        # How a worker is being stopped: never swallowed.
        raise
    except BaseException as error:
        # WeasyPrint stops on a failed fetch with FatalURLFetchingError, a BaseException that
        # Django's handler lets through: under gunicorn a bare 500, and a threaded worker exits.
        raise PdfError(f"{type(error).__name__}: {error}") from error


def render_pdf(template_name: str, context: dict, request: HttpRequest | None = None) -> bytes:
    return html_to_pdf(render_to_string(template_name, context, request=request))


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """The PDF as a download. The file name carries no patient data."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
