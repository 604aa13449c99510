"""config/pdf.py: documents find their stylesheet under either static storage, fetch nothing
else, and a document that cannot be made is an error page of ours, never a print in the log."""

from __future__ import annotations

import shutil

import pytest
from pypdf import PdfReader

from config.pdf import PdfError, html_to_pdf, static_fetcher
from journal.accesslog import Action
from journal.models import AccessLog
from tests.factories import register_patient

pytestmark = pytest.mark.django_db

PAGE = """{% load static %}<!doctype html><html lang="sv"><head><meta charset="utf-8">
<title>Prov</title><link rel="stylesheet" href="{% static 'css/pdf.css' %}"></head>
<body><main><h1>Prov</h1></main></body></html>"""


def document(extra: str = "") -> str:
    from django.template import engines

    return engines["django"].from_string(PAGE.replace("</main>", extra + "</main>")).render({})


def page_text(content: bytes) -> str:
    import io

    return PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_the_stylesheet_is_found_with_the_plain_storage_of_development():
    assert "Sida 1 av 1" in page_text(html_to_pdf(document()))


def test_the_stylesheet_is_found_by_its_hashed_name_with_the_manifest_storage(production_static):
    html = document()
    assert "css/pdf." in html and "css/pdf.css" not in html  # the hashed name
    assert "Sida 1 av 1" in page_text(html_to_pdf(html))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://example.org/style.css",
        "/static/../config/settings.py",
        "static:/../../config/settings.py",
        "/media/consents/1.pdf",
    ],
)
def test_the_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(ValueError, match="refused|no static file"):
        static_fetcher().fetch(url)


def test_a_fetch_that_fails_is_an_ordinary_exception(production_static):
    # WeasyPrint's FatalURLFetchingError is a BaseException, which Django does not catch.
    with pytest.raises(PdfError) as raised:
        html_to_pdf(document('<img src="/static/img/finns-inte.svg" alt="">'))
    assert isinstance(raised.value, Exception)


@pytest.fixture
def broken_static(settings, production_static, tmp_path):
    """Collected static files whose PDF stylesheet went missing after collectstatic."""
    folder = tmp_path / "static"
    shutil.copytree(production_static, folder)
    for stylesheet in (folder / "css").glob("pdf.*"):
        stylesheet.unlink()
    settings.STATIC_ROOT = folder
    return folder


def test_a_document_that_cannot_be_made_is_a_swedish_page_and_no_print(
    clinician_client, clinician, unit, broken_static
):
    patient = register_patient(unit, clinician)
    response = clinician_client.get(
        f"/patienter/{patient.pk}/samtycken/blankett/?blankett-scope=mbt"
    )
    assert response.status_code == 500
    body = response.content.decode()
    assert "Utskriften kunde inte skapas" in body and 'lang="sv"' in body
    assert response["Content-Type"].startswith("text/html")
    assert not AccessLog.objects.filter(patient=patient, action=Action.PRINT).exists()


def test_a_document_is_logged_as_printed_once_it_exists(clinician_client, clinician, unit):
    patient = register_patient(unit, clinician)
    response = clinician_client.get(
        f"/patienter/{patient.pk}/samtycken/blankett/?blankett-scope=mbt"
    )
    assert response.status_code == 200
    printed = AccessLog.objects.filter(patient=patient, action=Action.PRINT)
    assert [row.what for row in printed] == ["samtyckesblankett"]
