"""Importing sick-leave periods from the region's sick-leave overview: per-row errors, no
diagnosis read, nothing stored before confirming, and the same file twice adds nothing."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination import importer
from coordination.models import SickLeavePeriod
from journal.models import AccessLog
from tests.coordination.conftest import days_ago
from tests.factories import register_patient

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "sjukskrivningar-exempel.csv"


def csv_file(lines: list[str], encoding="utf-8-sig") -> bytes:
    return "\n".join(lines).encode(encoding)


def read(content: bytes, name="export.csv"):
    return importer.read(content, name, default_occupation="anstalld")


def test_reads_rows_with_errors_and_ignores_diagnosis():
    content = csv_file(
        [
            "Personnummer;Diagnos/diagnoser;Startdatum;Slutdatum;Grad",
            "19121212-1212;F32.1;2026-11-01;2026-12-01;100%",
            "121212-1212;F32.1;20261201;24.12.2026;25% → 50%",
            "19121212-1213;;2026-11-01;2026-12-01;100",
            "19121212-1212;;2026-12-01;2026-11-01;60",
            "19121212-1212;F32.1;2026-11-01;2026-12-01;100%",
            ";;;;",
        ]
    )
    result = read(content)
    assert result.ignored_columns == ["Diagnos/diagnoser"]
    first, second, bad_number, bad_dates, again = result.rows
    assert first.ok and first.identity == "191212121212" and first.extent == 100
    assert second.ok and second.extent == 50 and "den senaste, 50 %" in second.notes[0]
    assert second.start.isoformat() == "2026-12-01" and second.end.isoformat() == "2026-12-24"
    assert bad_number.errors and "kontrollsiffra" in bad_number.errors[0].lower()
    assert "Slutdatumet ligger före startdatumet." in bad_dates.errors
    assert any("25, 50, 75 eller 100 %" in e for e in bad_dates.errors)
    assert "tidigare rad" in again.errors[0]
    assert not any("F32" in str(vars(row)) for row in result.rows)


def test_comma_separated_and_cp1252_and_occupation():
    content = csv_file(
        [
            "personnummer,startdatum,slutdatum,grad,sysselsättning",
            "19121212-1212,2026-11-01,2026-12-01,0.5,Arbetssökande",
            "19121212-1212,2026-11-01,2026-12-01,75,pensionär",
        ],
        encoding="cp1252",
    )
    ok, unknown = read(content).rows
    assert ok.ok and ok.extent == 50 and ok.occupation == "arbetssokande"
    assert "känns inte igen" in unknown.errors[0]


def excel_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Personnummer", "Startdatum", "Slutdatum", "Grad", "Diagnos"])
    sheet.append(["191212121212", days_ago(10), days_ago(-20), 100, "M54"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezipped(xlsx: bytes, change, extra: dict[str, bytes] | None = None) -> bytes:
    """The workbook's members written again, each through `change(name, data)`, plus `extra`."""
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


SHARED_STRINGS = "xl/sharedStrings.xml"
SHEET = "xl/worksheets/sheet1.xml"


def excel_as_excel_writes_it(*, padding: int = 0, padded: str = SHARED_STRINGS) -> bytes:
    """excel_bytes() the way Excel stores text: the heading Personnummer in the shared-strings
    part, which openpyxl reads whole when it opens the file. `padding` bytes of whitespace go
    into the `padded` part: still a valid workbook, and whitespace deflates about 1000:1."""
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = b'<sst xmlns="' + main + b'" count="1" uniqueCount="1">'
    strings += b" " * padding if padded == SHARED_STRINGS else b""
    strings += b"<si><t>Personnummer</t></si></sst>"

    def change(name, data):
        if name == SHEET:
            data = data.replace(
                b'<c r="A1" t="inlineStr"><is><t>Personnummer</t></is></c>',
                b'<c r="A1" t="s"><v>0</v></c>',
            )
            if padded == SHEET:
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * padding)
        if name == "[Content_Types].xml":
            data = data.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>',
            )
        return data

    return rezipped(excel_bytes(), change, {SHARED_STRINGS: strings})


# More than any real export inflates to, far less than memory.
INFLATION = 32 * 1024 * 1024


@functools.cache
def bomb(member: str) -> bytes:
    """Built once: deflating 32 MB takes a moment."""
    return excel_as_excel_writes_it(padding=INFLATION, padded=member)


def test_excel_file():
    (row,) = read(excel_bytes(), "export.xlsx").rows
    assert row.ok and row.start == days_ago(10)
    (row,) = read(excel_as_excel_writes_it(), "export.xlsx").rows
    assert row.ok and row.identity == "191212121212"


@pytest.mark.parametrize("member", [SHARED_STRINGS, SHEET])
def test_excel_file_that_inflates_is_refused_before_it_is_read(member):
    content = bomb(member)
    assert len(content) < importer.MAX_BYTES / 10  # small on disk: it passes the size check
    with pytest.raises(importer.ImportFileError) as error:
        read(content, "export.xlsx")
    assert "packas upp" in str(error.value) and "CSV" in str(error.value)
    assert INFLATION > importer.MAX_XLSX_UNCOMPRESSED


def test_excel_file_with_too_many_parts_is_refused():
    many = {f"customXml/item{i}.xml": b"" for i in range(5000)}
    crowded = rezipped(excel_bytes(), lambda name, data: data, many)
    assert len(crowded) < importer.MAX_BYTES
    with pytest.raises(importer.ImportFileError) as error:
        read(crowded, "export.xlsx")
    assert "för många delar" in str(error.value)


def declaring(xlsx: bytes, member: str, size: int) -> bytes:
    """The same bytes, but `member` declares another uncompressed size, in its local header and
    in the central directory: what a checker that trusts the directory would read."""
    import struct
    import zipfile

    data = bytearray(xlsx)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        struct.pack_into("<I", data, archive.getinfo(member).header_offset + 22, size)
    end = data.rfind(b"PK\x05\x06")
    entries, offset = (
        struct.unpack_from("<H", data, end + 10)[0],
        struct.unpack_from("<I", data, end + 16)[0],
    )
    for _ in range(entries):
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, offset + 28)
        if data[offset + 46 : offset + 46 + name_length] == member.encode():
            struct.pack_into("<I", data, offset + 24, size)
        offset += 46 + name_length + extra_length + comment_length
    return bytes(data)


@pytest.mark.parametrize("member", [SHARED_STRINGS, SHEET])
def test_excel_file_that_lies_about_its_size_is_refused_not_a_crash(member):
    """zipfile never inflates a member past the size it declares, and then its checksum fails:
    an unreadable file with a message, never a 500."""
    with pytest.raises(importer.ImportFileError) as error:
        read(declaring(bomb(member), member, 4096), "export.xlsx")
    assert "kunde inte läsas" in str(error.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "tom"),
        (csv_file(["Namn;Start", "x;y"]), "saknar kolumnerna Personnummer, Slutdatum, Grad"),
        (b"PK\x03\x04garbage", "Excelfilen kunde inte läsas"),
        (b"\x00\x01\x02" * 10, "varken CSV eller Excel"),
        (b"a" * (importer.MAX_BYTES + 1), "större än 2 MB"),
    ],
)
def test_whole_file_errors(content, message):
    with pytest.raises(importer.ImportFileError) as error:
        read(content)
    assert message in str(error.value)


# --- The pages ----------------------------------------------------------------------------------


def upload(client, unit, content: bytes, name="export.csv"):
    return client.post(
        "/koordinering/import/",
        {
            "_active_unit": str(unit.pk),
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
            "default_occupation": "anstalld",
        },
    )


def payload_of(response) -> str:
    return response.context["confirm_form"].initial["payload"]


def test_preview_stores_nothing_then_confirm_imports_once(
    coordinator_client, unit, coordinator, other_unit
):
    known = register_patient(unit, coordinator, first_name="Kalle", last_name="Känd")
    stranger = register_patient(other_unit, first_name="Annan", last_name="Enhet")
    content = csv_file(
        [
            "Personnummer;Startdatum;Slutdatum;Grad",
            f"{known.identity_number};{days_ago(20)};{days_ago(-10)};100",
            f"{known.identity_number};{days_ago(-11)};{days_ago(-40)};50",
            f"{stranger.identity_number};{days_ago(20)};{days_ago(-10)};100",
        ]
    )
    preview = upload(coordinator_client, unit, content)
    body = preview.content.decode()
    assert preview.status_code == 200 and SickLeavePeriod.objects.count() == 0
    assert "Kalle Känd" in body and "2 perioder importeras" in body
    assert "Patienten finns inte vid enheten" in body and "Annan Enhet" not in body
    assert AccessLog.objects.filter(what="import av sjukskrivningar", patient=known).exists()
    assert not AccessLog.objects.filter(patient=stranger, unit=unit).exists()

    confirm = {"_active_unit": str(unit.pk), "payload": payload_of(preview)}
    response = coordinator_client.post("/koordinering/import/bekrafta/", confirm)
    assert response.status_code == 302 and response.url == "/koordinering/"
    assert SickLeavePeriod.objects.filter(source="import", patient=known).count() == 2
    # Confirming twice (a double click) and importing the same file again add nothing.
    coordinator_client.post("/koordinering/import/bekrafta/", confirm)
    again = upload(coordinator_client, unit, content)
    assert "2 finns redan" in again.content.decode()
    assert again.context["counts"]["importable"] == 0
    assert SickLeavePeriod.objects.count() == 2


def test_tampered_or_foreign_payload_is_refused(client, coordinator_client, unit, coordinator):
    from tests.factories import staff_at

    known = register_patient(unit, coordinator)
    content = csv_file(
        [
            "Personnummer;Startdatum;Slutdatum;Grad",
            f"{known.identity_number};2026-11-01;2026-12-01;100",
        ]
    )
    payload = payload_of(upload(coordinator_client, unit, content))
    tampered = coordinator_client.post(
        "/koordinering/import/bekrafta/",
        {"_active_unit": str(unit.pk), "payload": payload[:-3] + "abc"},
        follow=True,
    )
    assert "kunde inte tas emot" in tampered.content.decode()
    colleague = staff_at(unit)
    client.force_login(colleague)
    client.post(
        "/koordinering/import/bekrafta/", {"_active_unit": str(unit.pk), "payload": payload}
    )
    assert SickLeavePeriod.objects.count() == 0


def test_bad_file_keeps_the_page_and_says_why(coordinator_client, unit):
    response = upload(coordinator_client, unit, b"Namn;Start\nx;y\n")
    assert response.status_code == 400
    assert "saknar kolumnerna" in response.content.decode()


def test_the_documented_example_file_reads(unit):
    result = read(EXAMPLE.read_bytes(), EXAMPLE.name)
    assert result.ignored_columns == ["Namn", "Diagnos/diagnoser"]
    assert [bool(r.errors) for r in result.rows] == [
        False,
        False,
        False,
        False,
        True,
        False,
        True,
        True,
    ]
