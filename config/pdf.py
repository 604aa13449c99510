"""PDF documents, rendered in-process by WeasyPrint: tagged PDF/UA, Swedish, marked
"Omfattas av sekretess", and fetching nothing but our own static files."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

PDF_VARIANT = "pdf/ua-1"
SCHEME = "static:"


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Our static files and nothing else: no network, no paths on the server. A missing
        file stops the rendering instead of producing a document without its styles."""

        def __init__(self):
            super().__init__(fail_on_errors=True)

        def fetch(self, url, headers=None):
            # Templates link with {% static %}: /static/css/pdf.css, or relative to static:.
            if url.startswith(SCHEME):
                name = url.removeprefix(SCHEME).lstrip("/")
            elif url.startswith(settings.STATIC_URL):
                name = url.removeprefix(settings.STATIC_URL)
            else:
                raise ValueError(f"refused to fetch {url[:80]!r}")
            name = name.removeprefix(settings.STATIC_URL.strip("/") + "/")
            path = finders.find(name)
            if not path:
                raise ValueError(f"no static file {name[:80]!r}")
            with open(path, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticOnlyFetcher()


def render_pdf(template_name: str, context: dict, request: HttpRequest | None = None) -> bytes:
    import weasyprint

    html = render_to_string(template_name, context, request=request)
    document = weasyprint.HTML(string=html, base_url=SCHEME, url_fetcher=_fetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """The PDF as a download. The file name carries no patient data."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
