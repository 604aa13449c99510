"""Reads of patient data, each scoped to the actor's unit and each writing its access-log rows;
and the reads behind log review (logguppföljning) and the patient's log extract (loggutdrag)."""

from __future__ import annotations

import datetime
import statistics
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Collate, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst

from accounts.models import Assignment, CareUnit, Role, User, Vardgivare
from core import clock
from journal.accesslog import (
    Action,
    Actor,
    access_rows,
    log_access,
    log_denied,
    log_settings_for,
)
from journal.models import AccessLog, CareRelation, IdentityKind, JournalEntry, LogReview, Patient
from journal.personnummer import (
    IdentityNumber,
    InvalidIdentityNumber,
    looks_like_identity_number,
    parse_identity_number,
)

SWEDISH = "sv-x-icu"
SEARCH_LIMIT = 50


def patients_at_unit(unit: CareUnit) -> QuerySet[Patient]:
    """Patients with a care relation at the unit: the only patients a unit may see."""
    return Patient.objects.filter(care_relations__unit=unit)


def _sorted_by_name(queryset: QuerySet[Patient]) -> QuerySet[Patient]:
    return queryset.order_by(
        Collate("last_name", SWEDISH), Collate("first_name", SWEDISH), "identity_number"
    )


def patient_get(
    *, actor: Actor, patient_id: object, what: str = "patientöversikt", action: str = Action.READ
) -> Patient:
    """The patient, if the actor's unit has a care relation with them; otherwise a 404 and a
    'denied' row in the access log."""
    try:
        pk = int(str(patient_id))
    except ValueError:
        pk = None
    patient = patients_at_unit(actor.unit).filter(pk=pk).first() if pk else None
    if patient is None:
        log_denied(actor, patient_id, what)
        raise Http404
    log_access(actor, [patient], action, what)
    return patient


def unit_record_get(
    *,
    actor: Actor,
    model,
    record_id: object,
    what: str,
    select: tuple[str, ...] = (),
    action: str = Action.READ,
):
    """A record (with `unit` and `patient` fields) of the actor's unit, its read logged against
    its patient; else a 404, and a 'denied' row naming the patient whose record was asked for."""
    try:
        pk = int(str(record_id))
    except ValueError:
        pk = None
    record = (
        model.objects.filter(pk=pk, unit=actor.unit).select_related("patient", *select).first()
        if pk
        else None
    )
    if record is None:
        patient_id = (
            model.objects.filter(pk=pk).values_list("patient_id", flat=True).first() if pk else None
        )
        log_denied(actor, patient_id, f"{what} {str(record_id)[:20]}")
        raise Http404
    log_access(actor, [record.patient], action, what)
    return record


def care_relation(*, actor: Actor, patient: Patient) -> CareRelation:
    return CareRelation.objects.select_related("fast_vardkontakt").get(
        patient=patient, unit=actor.unit
    )


@dataclass
class SearchResult:
    query: str
    patients: list[Patient] = field(default_factory=list)
    identity: IdentityNumber | None = None
    error: str = ""
    truncated: bool = False

    @property
    def by_number(self) -> bool:
        return self.identity is not None


def patient_search(*, actor: Actor, query: str) -> SearchResult:
    """Finds patients of the actor's unit by personnummer/samordningsnummer in any written form,
    by reservnummer, or by name (trigram matching, so small misspellings are found), sorted in
    Swedish order. Every patient returned is logged."""
    query = (query or "").strip()
    result = SearchResult(query=query)
    if not query:
        return result
    candidates = patients_at_unit(actor.unit)
    if looks_like_identity_number(query):
        try:
            result.identity = parse_identity_number(query, today=clock.today())
        except InvalidIdentityNumber as error:
            result.error = str(error)
            return result
        candidates = candidates.filter(identity_number=result.identity.canonical).exclude(
            identity_kind=IdentityKind.RESERVNUMMER
        )
        what = "sökning på personnummer"
    elif query.upper().startswith("R") and any(char.isdigit() for char in query):
        candidates = candidates.filter(
            identity_kind=IdentityKind.RESERVNUMMER, identity_number__iexact=query
        )
        what = "sökning på reservnummer"
    else:
        words = query.lower().split()
        exact = candidates
        for word in words:
            exact = exact.filter(name_search__contains=word)
        if exact.exists():
            candidates = exact
        else:
            # Nothing spelled like that: look for similar names, among this unit's patients only.
            candidates = Patient.objects.filter(pk__in=_similar_names(actor.unit, words))
        what = "sökning på namn"
    patients = list(_sorted_by_name(candidates)[: SEARCH_LIMIT + 1])
    result.truncated = len(patients) > SEARCH_LIMIT
    result.patients = patients[:SEARCH_LIMIT]
    log_access(actor, result.patients, Action.SEARCH, what)
    return result


def _similar_names(unit: CareUnit, words: list[str]) -> list[int]:
    """Patients of the unit whose name has a word similar to every searched word (pg_trgm word
    similarity). The unit's patients are picked first (a materialised CTE): the planner would
    otherwise compute similarity for every patient of every unit."""
    patient_table = Patient._meta.db_table
    relation_table = CareRelation._meta.db_table
    condition = " AND ".join(["name_search %%> %s"] * len(words))
    sql = f"""
        WITH unit_patients AS MATERIALIZED (
            SELECT p.id, p.name_search FROM {patient_table} p
            JOIN {relation_table} r ON r.patient_id = p.id
            WHERE r.unit_id = %s
        )
        SELECT id FROM unit_patients WHERE {condition}
    """  # noqa: S608 - table names are our own; the words are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [unit.pk, *words])
        return [row[0] for row in cursor.fetchall()]


@dataclass
class JournalItem:
    entry: JournalEntry
    corrected_by: list[JournalEntry]


def journal_for_patient(*, actor: Actor, patient: Patient) -> list[JournalItem]:
    """The unit's journal entries for a patient, newest first, each with the corrections made to
    it. Logged by the page that shows them (patient_get)."""
    entries = list(
        JournalEntry.objects.filter(patient=patient, unit=actor.unit)
        .select_related("unit")
        .order_by("-created_at", "-pk")
    )
    by_id = {entry.pk: entry for entry in entries}
    corrections: dict[int, list[JournalEntry]] = defaultdict(list)
    for entry in entries:
        if entry.corrects_id:
            # A correction and what it corrects are always at the same unit, so in this list.
            entry.corrects = by_id[entry.corrects_id]
            corrections[entry.corrects_id].append(entry)
    return [
        JournalItem(entry=entry, corrected_by=corrections.get(entry.pk, [])) for entry in entries
    ]


def journal_entry_get(*, actor: Actor, patient: Patient, entry_id: int) -> JournalEntry:
    entry = (
        JournalEntry.objects.filter(pk=entry_id, patient=patient, unit=actor.unit)
        .select_related("unit", "corrects")
        .first()
    )
    if entry is None:
        log_denied(actor, patient.pk, f"journalanteckning {str(entry_id)[:20]}")
        raise Http404
    return entry


@dataclass
class HistoryItem:
    when: datetime.datetime
    who: str
    what: str
    kind: str  # "skapad", "ändrad"
    changes: list[tuple[str, str, str]]


def patient_history(*, actor: Actor, patient: Patient) -> list[HistoryItem]:
    """Ändringshistorik: who changed what and when, for the patient's details, the unit's care
    relation and the unit's journal entries. Logged by the caller's patient_get."""
    sources = [
        ("Patientuppgifter", Patient.history.filter(id=patient.pk)),
        ("Vårdrelation", CareRelation.history.filter(patient_id=patient.pk, unit_id=actor.unit.pk)),
        (
            "Journalanteckning",
            JournalEntry.history.filter(patient_id=patient.pk, unit_id=actor.unit.pk),
        ),
    ]
    hidden = {"version", "name_search", "updated_at"}
    # Patient details are shared between units. An address is never shown for a patient who
    # is, or ever was, protected; and people of other units are not named.
    ever_protected = (
        patient.protected_identity
        or Patient.history.filter(id=patient.pk, protected_identity=True).exists()
    )
    masked = {"street_address", "postal_code", "city"} if ever_protected else set()
    own_staff = {
        user.pk: user
        for user in User.objects.filter(
            pk__in=Assignment.objects.filter(unit=actor.unit).values("user")
        )
    }
    items: list[HistoryItem] = []
    for label, records in sources:
        records = list(records.select_related("history_user").order_by("id", "history_date"))
        previous_by_object: dict[int, object] = {}
        for record in records:
            previous = previous_by_object.get(record.id)
            changes = []
            if previous is not None:
                delta = record.diff_against(previous)
                for change in delta.changes:
                    if change.field in hidden:
                        continue
                    model_field = record.instance._meta.get_field(change.field)
                    if change.field in masked:
                        changes.append(
                            (
                                capfirst(str(model_field.verbose_name)),
                                "(visas inte)",
                                "(visas inte)",
                            )
                        )
                        continue
                    old, new = change.old, change.new
                    if model_field.is_relation and model_field.related_model is User:
                        old, new = _staff_name(old, own_staff), _staff_name(new, own_staff)
                    changes.append(
                        (capfirst(str(model_field.verbose_name)), _display(old), _display(new))
                    )
                if not changes:
                    previous_by_object[record.id] = record
                    continue
            previous_by_object[record.id] = record
            if record.history_user is None:
                who = "systemet"
            elif record.history_user_id in own_staff:
                who = record.history_user.name_and_profession
            else:
                who = "annan vårdenhet"
            name = label if label != "Journalanteckning" else f"{label} {record.id}"
            items.append(
                HistoryItem(
                    when=record.history_date,
                    who=who,
                    what=name,
                    kind="skapad" if previous is None else "ändrad",
                    changes=changes,
                )
            )
    items.sort(key=lambda item: item.when, reverse=True)
    return items


def _staff_name(user_id, own_staff: dict) -> str | None:
    if user_id is None:
        return None
    user = own_staff.get(user_id)
    return user.name_and_profession if user else "medarbetare vid annan vårdenhet"


def _display(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    text = str(value)
    return text if len(text) <= 300 else text[:300] + "…"


# --- Log review ---------------------------------------------------------------------------------

FLAG_PROTECTED = "skyddad"
FLAG_NO_RELATION = "utan_vardrelation"
FLAG_AFTER_HOURS = "utanfor_kontorstid"
FLAG_VOLUME = "ovanlig_volym"
VOLUME_BASELINE_DAYS = 90
REVIEW_PURPOSE = "logguppföljning"


def review_units(user: User) -> list[CareUnit]:
    """The units whose log the user may review: where they hold a current manager assignment."""
    return list(
        CareUnit.objects.filter(
            pk__in=Assignment.objects.current().filter(user=user, role=Role.MANAGER).values("unit")
        ).order_by("name")
    )


@dataclass
class LogFilter:
    units: list[CareUnit]
    date_from: datetime.date
    date_to: datetime.date
    user: User | None = None
    patient: Patient | None = None
    action: str = ""
    flags: frozenset[str] = frozenset()
    no_match: bool = False  # a patient number no patient has: nothing can match
    include_review_reads: bool = False

    def as_record(self) -> dict:
        """What the review covered, as stored with the review record (no patient data)."""
        return {
            "enheter": [u.name for u in self.units],
            "från": self.date_from.isoformat(),
            "till": self.date_to.isoformat(),
            "användare": self.user.username if self.user else "",
            "patient": bool(self.patient),
            "händelse": self.action,
            "flaggor": sorted(self.flags),
            "med_logguppföljningens_läsningar": self.include_review_reads,
        }


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def volume_flagged_days(
    units: list[CareUnit], date_from: datetime.date, date_to: datetime.date
) -> set[tuple[int, int, datetime.date]]:
    """(unit, user, day) where the user's rows at the unit exceed both the unit's minimum and its
    factor times the user's own median rows per active day over the preceding 90 days."""
    if not units:
        return set()
    start, _ = _day_bounds(date_from - datetime.timedelta(days=VOLUME_BASELINE_DAYS))
    _, end = _day_bounds(date_to)
    daily = (
        AccessLog.objects.filter(unit__in=units, at__gte=start, at__lt=end)
        .annotate(day=TruncDate("at"))
        .values_list("unit_id", "user_id", "day")
        .annotate(n=Count("id"))
    )
    series: dict[tuple[int, int], list[tuple[datetime.date, int]]] = defaultdict(list)
    for unit_id, user_id, day, n in daily:
        series[(unit_id, user_id)].append((day, n))
    thresholds = {unit.pk: log_settings_for(unit) for unit in units}
    flagged = set()
    for (unit_id, user_id), days in series.items():
        median = Decimal(str(statistics.median(n for _, n in days)))
        unit_settings = thresholds[unit_id]
        limit = max(unit_settings.volume_factor * median, unit_settings.volume_minimum)
        for day, n in days:
            if date_from <= day <= date_to and n > limit:
                flagged.add((unit_id, user_id, day))
    return flagged


def access_log_rows(log_filter: LogFilter, *, flagged_days=None) -> QuerySet[AccessLog]:
    start, _ = _day_bounds(log_filter.date_from)
    _, end = _day_bounds(log_filter.date_to)
    rows = AccessLog.objects.filter(
        unit__in=log_filter.units, at__gte=start, at__lt=end
    ).select_related("user", "unit", "patient")
    if log_filter.user:
        rows = rows.filter(user=log_filter.user)
    if log_filter.patient:
        rows = rows.filter(patient=log_filter.patient)
    if log_filter.action:
        rows = rows.filter(action=log_filter.action)
    if not log_filter.include_review_reads:
        # Reading the log shows patients, and that is logged too; those rows would otherwise
        # crowd out everything else at the next look.
        rows = rows.exclude(purpose=REVIEW_PURPOSE)
    flag_filters = Q()
    if FLAG_PROTECTED in log_filter.flags:
        flag_filters |= Q(protected_identity=True)
    if FLAG_NO_RELATION in log_filter.flags:
        flag_filters |= Q(has_care_relation=False)
    if FLAG_AFTER_HOURS in log_filter.flags:
        flag_filters |= Q(outside_office_hours=True)
    if FLAG_VOLUME in log_filter.flags:
        volume = Q(pk__in=[])
        for unit_id, user_id, day in sorted(flagged_days or ()):
            day_start, day_end = _day_bounds(day)
            volume |= Q(unit_id=unit_id, user_id=user_id, at__gte=day_start, at__lt=day_end)
        flag_filters |= volume
    if log_filter.flags:
        rows = rows.filter(flag_filters)
    return rows.order_by("-at", "-pk")


def mark_reviewable_patients(rows, units: list[CareUnit]) -> None:
    """Sets row.patient_visible: the reviewer sees who the patient is only when the patient is a
    patient of one of the reviewed units. A denied attempt at another unit's patient shows as
    such, without revealing whose data it was."""
    ids = {row.patient_id for row in rows if row.patient_id}
    visible = set(
        CareRelation.objects.filter(unit__in=units, patient_id__in=ids).values_list(
            "patient_id", flat=True
        )
    )
    for row in rows:
        row.patient_visible = row.patient_id in visible


def log_review_shown(actor: Actor, rows, action: str, what: str) -> None:
    """Logs the patients a log review showed, each under the unit whose log row it was, in one
    INSERT: an export is logged whole before its first byte, or not at all."""
    by_unit: dict[int, tuple[CareUnit, list[Patient]]] = {}
    for row in rows:
        if row.patient_id and getattr(row, "patient_visible", False):
            by_unit.setdefault(row.unit_id, (row.unit, []))[1].append(row.patient)
    log_rows = [
        log_row
        for unit, patients in by_unit.values()
        for log_row in access_rows(
            replace(actor, unit=unit), patients, action, what, purpose=REVIEW_PURPOSE
        )
    ]
    if log_rows:
        AccessLog.objects.bulk_create(log_rows)


def log_reviews_for(units: list[CareUnit]) -> QuerySet[LogReview]:
    return LogReview.objects.filter(unit__in=units).select_related("reviewer", "unit")


def patient_by_identity(identity: IdentityNumber) -> Patient | None:
    """The patient with the number, wherever registered: for filtering log rows, which are
    themselves limited to the reviewer's units. Never shown as such."""
    return (
        Patient.objects.filter(identity_number=identity.canonical)
        .exclude(identity_kind=IdentityKind.RESERVNUMMER)
        .first()
    )


def patient_of_vardgivare(identity: IdentityNumber, vardgivare: Vardgivare) -> Patient | None:
    """The patient, if registered at any unit of the vårdgivare: whose log extract it may make."""
    return (
        Patient.objects.filter(
            identity_number=identity.canonical, care_relations__unit__vardgivare=vardgivare
        )
        .exclude(identity_kind=IdentityKind.RESERVNUMMER)
        .distinct()
        .first()
    )


@dataclass
class ExtractLine:
    day: datetime.date
    unit: str
    actions: list[tuple[str, int]]


def log_extract(*, actor: Actor, patient: Patient, vardgivare: Vardgivare) -> list[ExtractLine]:
    """Loggutdrag: which of the vårdgivare's units accessed the patient's data on which days, and
    how (read, search, print ...). Logged as a print of the patient's data."""
    rows = (
        AccessLog.objects.filter(patient=patient, unit__vardgivare=vardgivare)
        .exclude(action=Action.DENIED)
        .annotate(day=TruncDate("at"))
        .values_list("day", "unit__name", "action")
        .annotate(n=Count("id"))
        .order_by("-day", "unit__name", "action")
    )
    labels = dict(AccessLog.Action.choices)
    lines: dict[tuple[datetime.date, str], ExtractLine] = {}
    for day, unit_name, action, n in rows:
        line = lines.setdefault((day, unit_name), ExtractLine(day=day, unit=unit_name, actions=[]))
        line.actions.append((str(labels[action]), n))
    log_access(
        actor, [patient], Action.PRINT, "loggutdrag", purpose="patientens begäran om loggutdrag"
    )
    return list(lines.values())
