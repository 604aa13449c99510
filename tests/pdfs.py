"""Reading printed documents back, as a user's PDF reader would."""

from __future__ import annotations

import io

from pypdf import PdfReader


def printed(response) -> PdfReader:
    """The PDF a view answered with, after checking it is one and that its stylesheet was
    applied: the page footer "Sida 1 av N" comes from static/css/pdf.css alone."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert "Sida 1 av" in reader.pages[0].extract_text(), "pdf.css was not applied"
    return reader


def printed_text(response) -> str:
    return "".join(page.extract_text() for page in printed(response).pages)
