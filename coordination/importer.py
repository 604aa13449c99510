"""Reading sick-leave periods from an export of the region's sick-leave overview (CSV or Excel).

Columns are found by their heading (case and spaces do not matter; see docs/coordination.md):
personnummer, start date, end date, extent, and optionally occupation. Other columns are ignored,
diagnosis columns included: no diagnosis is read or kept. Every row gets a status and, when it
cannot be imported, a reason in Swedish. Reading stores nothing."""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from coordination.models import Occupation
from journal.personnummer import InvalidIdentityNumber, format_identity, parse_identity_number

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# An .xlsx is a zip of XML parts: 2 MB on disk can inflate to gigabytes (whitespace or one huge
# shared string deflates about 1000:1), and openpyxl reads the shared strings whole when it opens
# the file. An export of MAX_ROWS rows inflates to a few megabytes in a dozen parts.
MAX_XLSX_UNCOMPRESSED = 25 * 1024 * 1024
MAX_XLSX_MEMBERS = 200

COLUMNS = {
    "identity": ("personnummer", "personnr", "pnr", "personnummer/samordningsnummer"),
    "start": ("startdatum", "start", "från", "fran", "från och med", "fom", "sjukskriven från"),
    "end": ("slutdatum", "slut", "till", "till och med", "tom", "sjukskriven till"),
    "extent": ("grad", "sjukskrivningsgrad", "omfattning", "omf", "omf.", "procent"),
    "occupation": ("sysselsättning", "sysselsattning"),
}
REQUIRED = ("identity", "start", "end", "extent")
IGNORED_NOTICE = ("diagnos", "diagnoser", "diagnos/diagnoser", "diagnoskod", "bidiagnos")

OCCUPATIONS = {
    "anställd": Occupation.ANSTALLD,
    "anstalld": Occupation.ANSTALLD,
    "nuvarande arbete": Occupation.ANSTALLD,
    "arbetssökande": Occupation.ARBETSSOKANDE,
    "arbetssokande": Occupation.ARBETSSOKANDE,
    "egenföretagare": Occupation.EGENFORETAGARE,
    "egenforetagare": Occupation.EGENFORETAGARE,
    "studerande": Occupation.STUDERANDE,
    "student": Occupation.STUDERANDE,
    "studier": Occupation.STUDERANDE,
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in Swedish."""


@dataclass
class ImportRow:
    line: int
    identity: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    extent: int | None = None
    occupation: str = ""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    patient_id: int | None = None
    duplicate: bool = False  # already registered at the unit
    patient: object = None  # the Patient, for the preview

    @property
    def identity_display(self) -> str:
        if re.fullmatch(r"\d{12}", self.identity):
            return format_identity(self.identity)
        return self.identity[:20]

    def get_occupation_display(self) -> str:
        return str(Occupation(self.occupation).label) if self.occupation else ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.duplicate


@dataclass
class ImportResult:
    rows: list[ImportRow]
    ignored_columns: list[str]

    @property
    def importable(self) -> list[ImportRow]:
        return [r for r in self.rows if r.ok]


def _key(heading: object) -> str:
    return re.sub(r"\s+", " ", str(heading or "").strip().lower())


def _table(content: bytes, filename: str) -> list[list[object]]:
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("Filen är större än 2 MB. Dela upp exporten."))
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        return _xlsx(content)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ImportFileError(_("Filen kunde inte läsas som text."))
    if "\x00" in text:
        raise ImportFileError(_("Filen är varken CSV eller Excel (.xlsx)."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";"
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _unreadable_xlsx() -> ImportFileError:
    return ImportFileError(_("Excelfilen kunde inte läsas. Spara den som .xlsx eller CSV."))


def _check_xlsx_archive(content: bytes) -> None:
    """Refuses an .xlsx whose parts are too many or inflate too far, before openpyxl opens it.
    The sizes come from the zip's directory; zipfile never inflates a part past the size it
    declares, and reading every part here (a bounded amount) checks each one's checksum, so a
    part that lies about its size is an unreadable file here rather than an error later."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            if len(members) > MAX_XLSX_MEMBERS:
                raise ImportFileError(
                    _(
                        "Excelfilen består av för många delar (fler än %(n)s) för att vara en "
                        "export av sjukskrivningar och läses inte. Spara exporten som CSV."
                    )
                    % {"n": MAX_XLSX_MEMBERS}
                )
            if sum(member.file_size for member in members) > MAX_XLSX_UNCOMPRESSED:
                raise ImportFileError(
                    _(
                        "Excelfilen blir större än %(mb)s MB när den packas upp och läses inte. "
                        "Spara exporten som CSV eller dela upp den."
                    )
                    % {"mb": MAX_XLSX_UNCOMPRESSED // (1024 * 1024)}
                )
            for member in members:
                with archive.open(member) as part:
                    while part.read(1024 * 1024):
                        pass
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError):
        # A broken archive, a checksum that fails, an unknown compression, an encrypted part.
        raise _unreadable_xlsx() from None


def _xlsx(content: bytes) -> list[list[object]]:
    import zipfile

    from openpyxl import load_workbook

    _check_xlsx_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise _unreadable_xlsx() from error
    sheet = workbook.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(list(row))
        if len(rows) > MAX_ROWS + 1:
            break
    workbook.close()
    return rows


def _date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    raise ValueError(text)


def _extent(value: object) -> tuple[int, str]:
    """The extent, from "100", "100%", "50 %", "0.5" or "25% → 50%" (the last is the current)."""
    text = str(value or "").strip()
    parts = re.findall(r"\d+(?:[.,]\d+)?", text)
    if not parts:
        raise ValueError(text)
    note = ""
    if len(parts) > 1:
        note = _(
            "Graden ändrades under perioden (%(text)s); den senaste, %(last)s %%, används."
        ) % {
            "text": text,
            "last": parts[-1],
        }
    number = float(parts[-1].replace(",", "."))
    if number <= 1 and "%" not in text:
        number *= 100
    return int(round(number)), note


def read(content: bytes, filename: str, *, default_occupation: str) -> ImportResult:
    """Reads the file into rows with errors; matches no patients (see match_patients)."""
    table = [row for row in _table(content, filename) if any(str(c or "").strip() for c in row)]
    if not table:
        raise ImportFileError(_("Filen är tom."))
    header = [_key(cell) for cell in table[0]]
    where: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        for index, heading in enumerate(header):
            if heading in aliases:
                where[name] = index
                break
    missing = [n for n in REQUIRED if n not in where]
    if missing:
        labels = {
            "identity": "Personnummer",
            "start": "Startdatum",
            "end": "Slutdatum",
            "extent": "Grad",
        }
        raise ImportFileError(
            _("Filen saknar kolumnerna %(columns)s. Första raden ska vara rubriker.")
            % {"columns": ", ".join(labels[m] for m in missing)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(
            _("Filen har fler än %(n)s rader. Dela upp exporten.") % {"n": MAX_ROWS}
        )
    ignored = [
        str(table[0][i]).strip()
        for i, heading in enumerate(header)
        if heading and i not in where.values()
    ]
    rows = []
    seen: set[tuple] = set()
    for number, cells in enumerate(table[1:], start=2):

        def cell(name: str, cells=cells) -> object:
            index = where.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        row = ImportRow(line=number)
        raw_identity = str(cell("identity") or "").strip()
        try:
            row.identity = parse_identity_number(raw_identity).canonical
        except InvalidIdentityNumber as error:
            row.errors.append(str(error))
            row.identity = raw_identity
        for name in ("start", "end"):
            try:
                setattr(row, name, _date(cell(name)))
            except ValueError:
                row.errors.append(
                    _("Datumet %(value)s kan inte läsas; skriv det som 2026-11-24.")
                    % {"value": str(cell(name))[:20]}
                )
        if row.start is None or row.end is None:
            if not any("Datumet" in e for e in row.errors):
                row.errors.append(_("Start- och slutdatum behövs."))
        elif row.end < row.start:
            row.errors.append(_("Slutdatumet ligger före startdatumet."))
        try:
            row.extent, note = _extent(cell("extent"))
            if note:
                row.notes.append(note)
            if row.extent not in (25, 50, 75, 100):
                row.errors.append(
                    _("Graden %(value)s %% finns inte; den ska vara 25, 50, 75 eller 100 %%.")
                    % {"value": row.extent}
                )
        except ValueError:
            row.errors.append(_("Graden saknas eller kan inte läsas."))
        occupation = _key(cell("occupation"))
        if occupation:
            row.occupation = OCCUPATIONS.get(occupation, "")
            if not row.occupation:
                row.errors.append(
                    _("Sysselsättningen %(value)s känns inte igen.") % {"value": occupation[:30]}
                )
        else:
            row.occupation = default_occupation
        key = (row.identity, row.start, row.end, row.extent)
        if not row.errors:
            if key in seen:
                row.errors.append(_("Samma period står redan på en tidigare rad i filen."))
            seen.add(key)
        rows.append(row)
    return ImportResult(rows=rows, ignored_columns=ignored)


def match_patients(result: ImportResult, *, unit) -> None:
    """Finds each row's patient among the unit's patients, and marks periods the unit already
    has. Two queries, whatever the number of rows."""
    from coordination.models import SickLeavePeriod
    from journal.selectors import patients_at_unit

    wanted = {r.identity for r in result.rows if not r.errors}
    patients = dict(
        patients_at_unit(unit)
        .filter(identity_number__in=wanted)
        .values_list("identity_number", "pk")
    )
    for row in result.rows:
        if row.errors:
            continue
        row.patient_id = patients.get(row.identity)
        if row.patient_id is None:
            row.errors.append(
                _(
                    "Patienten finns inte vid enheten. Registrera patienten under Patienter och "
                    "importera filen igen."
                )
            )
    existing = set(
        SickLeavePeriod.objects.filter(
            unit=unit,
            voided_at__isnull=True,
            patient_id__in={r.patient_id for r in result.rows if r.patient_id},
        ).values_list("patient_id", "start_date", "end_date", "extent")
    )
    for row in result.rows:
        if row.patient_id and (row.patient_id, row.start, row.end, row.extent) in existing:
            row.duplicate = True
