"""Patients, their relations to care units, journal entries, and the PDL access log with its
review records."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import CareUnit, Profession
from core import clock
from journal.personnummer import format_identity


class IdentityKind(models.TextChoices):
    PERSONNUMMER = "personnummer", _("Personnummer")
    SAMORDNINGSNUMMER = "samordningsnummer", _("Samordningsnummer")
    RESERVNUMMER = "reservnummer", _("Reservnummer")


class Patient(models.Model):
    """A patient. The identity is a personnummer or samordningsnummer (12 digits, unique), or a
    reservnummer that one unit issued (unique at that unit, never taken for a personnummer)."""

    identity_kind = models.CharField(
        _("typ av identitet"), max_length=20, choices=IdentityKind.choices
    )
    identity_number = models.CharField(_("identitet"), max_length=20)
    reserve_unit = models.ForeignKey(
        CareUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reservnummer utfärdat av"),
    )
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    name_search = models.GeneratedField(
        expression=Lower(Concat("first_name", Value(" "), "last_name")),
        output_field=models.CharField(max_length=201),
        db_persist=True,
    )
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    street_address = models.CharField(_("gatuadress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=10, blank=True)
    city = models.CharField(_("postort"), max_length=100, blank=True)
    interpreter_needed = models.BooleanField(_("behöver tolk"), default=False)
    interpreter_language = models.CharField(_("tolkspråk"), max_length=60, blank=True)
    protected_identity = models.BooleanField(
        _("skyddad identitet"),
        default=False,
        help_text=_("Adressen visas aldrig, och en varning visas på varje sida om patienten."),
    )
    deceased_date = models.DateField(_("avliden"), null=True, blank=True)
    created_at = models.DateTimeField(_("registrerad"), default=clock.now)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patienter")
        constraints = [
            models.UniqueConstraint(
                fields=["identity_number"],
                condition=~Q(identity_kind="reservnummer"),
                name="patient_identity_number_unique",
                violation_error_message=_("En patient med det numret finns redan."),
            ),
            models.UniqueConstraint(
                fields=["reserve_unit", "identity_number"],
                condition=Q(identity_kind="reservnummer"),
                name="patient_reservnummer_unique_per_unit",
            ),
            models.CheckConstraint(
                condition=(Q(identity_kind="reservnummer") & Q(reserve_unit__isnull=False))
                | (
                    ~Q(identity_kind="reservnummer")
                    & Q(reserve_unit__isnull=True)
                    & Q(identity_number__regex=r"^\d{12}$")
                ),
                name="patient_identity_well_formed",
            ),
            models.CheckConstraint(
                condition=Q(interpreter_needed=True) | Q(interpreter_language=""),
                name="patient_interpreter_language_only_when_needed",
            ),
        ]
        indexes = [
            GinIndex(OpClass("name_search", name="gin_trgm_ops"), name="patient_name_trgm"),
        ]

    def __str__(self) -> str:
        # Deliberately no identity number: str() may end up in logs.
        return f"Patient {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_reservnummer(self) -> bool:
        return self.identity_kind == IdentityKind.RESERVNUMMER

    @property
    def formatted_identity(self) -> str:
        return format_identity(self.identity_number)

    @property
    def birth_date(self) -> datetime.date | None:
        if self.is_reservnummer:
            return None
        day = int(self.identity_number[6:8])
        if day > 60:
            day -= 60
        return datetime.date(int(self.identity_number[:4]), int(self.identity_number[4:6]), day)

    def age(self, on: datetime.date | None = None) -> int | None:
        born = self.birth_date
        if born is None:
            return None
        on = on or clock.today()
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class CareRelation(models.Model):
    """Vårdrelation: the patient is a patient of this unit. A unit sees a patient only through a
    care relation; it is created when the unit registers the patient."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_relations")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="care_relations")
    fast_vardkontakt = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fast vårdkontakt"),
    )
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vårdrelation")
        verbose_name_plural = _("vårdrelationer")
        constraints = [
            models.UniqueConstraint(fields=["unit", "patient"], name="care_relation_unique"),
        ]

    def __str__(self) -> str:
        return f"Vårdrelation {self.pk}"


class EntryType(models.TextChoices):
    ANTECKNING = "anteckning", _("Anteckning")
    MBT_ANMALAN = "mbt_anmalan", _("MBT-anmälan")
    MBT_KONFERENS = "mbt_konferens", _("MBT-konferens")
    SAMTYCKE = "samtycke", _("Samtycke")
    KOORDINERINGSINSATS = "koordineringsinsats", _("Koordineringsinsats")
    ATERKOPPLING = "aterkoppling", _("Återkoppling")
    VARDPLAN = "vardplan", _("Vårdplan")
    FK_INFORMATION = "fk_information", _("Information till Försäkringskassan")


class JournalEntry(models.Model):
    """A journal entry at one unit. Signed entries are immutable (a database trigger refuses
    UPDATE and DELETE); a correction is a new entry pointing to the one it corrects."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="journal_entries")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(_("författare"), max_length=300)
    author_profession = models.CharField(
        _("författarens profession"), max_length=32, choices=Profession.choices
    )
    entry_type = models.CharField(_("typ"), max_length=32, choices=EntryType.choices)
    kva_codes = ArrayField(
        models.CharField(max_length=10), verbose_name=_("KVÅ-koder"), default=list, blank=True
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("skapad"), default=clock.now)
    updated_at = models.DateTimeField(_("senast ändrad"), default=clock.now)
    signed_at = models.DateTimeField(_("signerad"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("rättar"),
    )
    version = models.PositiveIntegerField(default=1)
    # The form's one-time key: a double-clicked submit finds the entry the first click wrote.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("journalanteckning")
        verbose_name_plural = _("journalanteckningar")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="journal_entry_text_not_empty"),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | Q(signed_at__isnull=False),
                name="journal_correction_is_signed",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "patient", "-created_at"], name="journal_unit_patient"),
        ]

    def __str__(self) -> str:
        return f"Journalanteckning {self.pk}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def header_line(self) -> str:
        """Date, unit, author's name and profession, KVÅ codes: the first line when the entry is
        copied into the region's medical record."""
        when = timezone.localtime(self.signed_at or self.created_at).strftime("%Y-%m-%d %H:%M")
        parts = [
            when,
            self.unit.name,
            f"{self.author_name}, {self.get_author_profession_display().lower()}",
            self.get_entry_type_display(),
        ]
        if self.kva_codes:
            parts.append("KVÅ " + ", ".join(self.kva_codes))
        return " | ".join(parts)

    @property
    def record_text(self) -> str:
        """The copy-to-record text: the header line, then the text."""
        lines = [self.header_line]
        if self.corrects_id:
            lines.append(f"Rättelse av anteckning från {self._corrected_date()}.")
        lines.append(self.text)
        return "\n".join(lines)

    def _corrected_date(self) -> str:
        corrected = self.corrects
        return timezone.localtime(corrected.signed_at or corrected.created_at).strftime(
            "%Y-%m-%d %H:%M"
        )


class AccessLog(models.Model):
    """PDL access log: one row per patient per access. Append-only: a database trigger refuses
    UPDATE and DELETE. The flags reviewers filter on are fixed when the row is written."""

    class Action(models.TextChoices):
        READ = "read", _("Läsning")
        SEARCH = "search", _("Sökning")
        CREATE = "create", _("Registrering")
        UPDATE = "update", _("Ändring")
        PRINT = "print", _("Utskrift")
        EXPORT = "export", _("Export")
        DENIED = "denied", _("Nekad åtkomst")

    at = models.DateTimeField(_("tid"), default=clock.now, db_default=models.functions.Now())
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("användare"),
    )
    unit = models.ForeignKey(
        CareUnit, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("vårdenhet")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("patient")
    )
    action = models.CharField(_("händelse"), max_length=10, choices=Action.choices)
    what = models.CharField(_("vad"), max_length=200)
    purpose = models.CharField(_("ändamål"), max_length=100, default="vård och behandling")
    ip = models.GenericIPAddressField(_("IP-adress"), null=True)
    request_id = models.CharField(max_length=64, blank=True)
    has_care_relation = models.BooleanField(_("vårdrelation vid enheten"), default=True)
    protected_identity = models.BooleanField(_("skyddad identitet"), default=False)
    outside_office_hours = models.BooleanField(_("utanför kontorstid"), default=False)

    class Meta:
        verbose_name = _("loggpost")
        verbose_name_plural = _("åtkomstlogg")
        indexes = [
            models.Index(fields=["unit", "-at"], name="accesslog_unit_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
            models.Index(fields=["patient", "-at"], name="accesslog_patient_at"),
            models.Index(
                fields=["unit", "-at"],
                condition=Q(protected_identity=True),
                name="accesslog_protected",
            ),
            models.Index(
                fields=["unit", "-at"],
                condition=Q(has_care_relation=False),
                name="accesslog_no_relation",
            ),
            models.Index(
                fields=["unit", "-at"],
                condition=Q(outside_office_hours=True),
                name="accesslog_after_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"Loggpost {self.pk}"


class LogReviewSettings(models.Model):
    """Thresholds for the log-review flags, per unit."""

    unit = models.OneToOneField(CareUnit, on_delete=models.PROTECT, related_name="log_settings")
    office_start = models.TimeField(_("kontorstid från"), default=datetime.time(7, 0))
    office_end = models.TimeField(_("kontorstid till"), default=datetime.time(18, 0))
    volume_factor = models.DecimalField(
        _("ovanlig volym: gånger användarens median per dag"),
        max_digits=4,
        decimal_places=1,
        default=3,
    )
    volume_minimum = models.PositiveIntegerField(
        _("ovanlig volym: minst antal poster per dag"), default=20
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inställning för logguppföljning")
        verbose_name_plural = _("inställningar för logguppföljning")
        constraints = [
            models.CheckConstraint(
                condition=Q(office_end__gt=models.F("office_start")),
                name="log_settings_office_hours_order",
            ),
            models.CheckConstraint(condition=Q(volume_factor__gt=1), name="log_settings_factor"),
        ]

    def __str__(self) -> str:
        return f"Logginställningar {self.unit_id}"


class LogReview(models.Model):
    """A record of a systematic log review (logguppföljning): who reviewed which unit's log for
    which period, what sample, what was found and what was done."""

    class Outcome(models.TextChoices):
        NO_FINDINGS = "inga", _("Inga avvikelser")
        INVESTIGATING = "utreds", _("Avvikelser utreds")
        ACTED = "atgardat", _("Avvikelser åtgärdade")

    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period från"))
    period_end = models.DateField(_("period till"))
    filters = models.JSONField(_("urval"), default=dict, blank=True)
    sample = models.TextField(_("stickprov"))
    findings = models.TextField(_("iakttagelser"))
    outcome = models.CharField(_("resultat"), max_length=10, choices=Outcome.choices)
    actions_taken = models.TextField(_("vidtagna åtgärder"), blank=True)
    created_at = models.DateTimeField(default=clock.now)
    # One-time key of the form that created it: sending the form twice writes one.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("genomförd logguppföljning")
        verbose_name_plural = _("genomförda logguppföljningar")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="log_review_period_order",
            ),
            models.CheckConstraint(
                condition=Q(outcome="inga") | ~Q(actions_taken=""),
                name="log_review_actions_when_findings",
            ),
        ]

    def __str__(self) -> str:
        return f"Logguppföljning {self.pk}"
