"""Koordineringsinsatser (Lag 2019:1297, KVÅ GC001) for sick-listed patients at a unit.

Sick-leave periods (joined into sjukfall by coordination.sjukfall), the coordinator's status per
patient, coordination episodes (started only with a valid consent and after a läkare's
assessment), their activities (each journalled with GC001, without diagnosis) and the register
of information to Försäkringskassan (4 §). No diagnosis is stored anywhere here."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import CareUnit, Organisation
from consent.models import Consent
from core import clock
from journal.models import JournalEntry, Patient

GC001 = "GC001"  # Koordineringsinsatser för att främja återgång eller inträde i arbetslivet
DV077 = "DV077"  # Rehabiliteringsplan under sjukskrivning med fokus på återgång i arbete
AW026 = "AW026"  # Uppföljning av rehabiliteringsplan


class Extent(models.IntegerChoices):
    QUARTER = 25, _("25 %")
    HALF = 50, _("50 %")
    THREE_QUARTERS = 75, _("75 %")
    FULL = 100, _("100 %")


class Occupation(models.TextChoices):
    ANSTALLD = "anstalld", _("Anställd")
    ARBETSSOKANDE = "arbetssokande", _("Arbetssökande")
    EGENFORETAGARE = "egenforetagare", _("Egenföretagare")
    STUDERANDE = "studerande", _("Studerande")


class SickLeavePeriod(models.Model):
    """One sick-leave period (from a certificate) of a patient at a unit. Never deleted: a
    period entered by mistake is voided with a reason."""

    class Source(models.TextChoices):
        MANUAL = "manuell", _("Registrerad för hand")
        IMPORT = "import", _("Importerad")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sick_leave")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("från och med"))
    end_date = models.DateField(_("till och med"))
    extent = models.PositiveSmallIntegerField(_("omfattning"), choices=Extent.choices)
    occupation = models.CharField(_("sysselsättning"), max_length=16, choices=Occupation.choices)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.TextField(_("skäl"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sjukskrivningsperiod")
        verbose_name_plural = _("sjukskrivningsperioder")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="sickleave_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(extent__in=[25, 50, 75, 100]), name="sickleave_extent_quarters"
            ),
            models.CheckConstraint(
                condition=(Q(voided_at__isnull=True) & Q(voided_by__isnull=True))
                | (Q(voided_at__isnull=False) & Q(voided_by__isnull=False) & ~Q(void_reason="")),
                name="sickleave_void_complete",
            ),
            # The same period twice (typed twice, or the same file imported again) is one row.
            models.UniqueConstraint(
                fields=["unit", "patient", "start_date", "end_date", "extent"],
                condition=Q(voided_at__isnull=True),
                name="sickleave_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "end_date"],
                condition=Q(voided_at__isnull=True),
                name="sickleave_unit_end",
            ),
            models.Index(fields=["unit", "patient"], name="sickleave_unit_patient"),
        ]

    def __str__(self) -> str:
        return f"Sjukskrivning {self.start_date}–{self.end_date} {self.extent} %"


class CoordinatorStatus(models.TextChoices):
    EJ_KONTAKTAD = "ej_kontaktad", _("Ej kontaktad")
    KONTAKTAD = "kontaktad", _("Kontaktad")
    AKTIV = "aktiv", _("Aktiv")
    UPPFOLJNING = "uppfoljning", _("Uppföljning")
    AVSLUTAD = "avslutad", _("Avslutad")


class FollowUp(models.Model):
    """The coordinator's status for a sick-listed patient at the unit, as on the follow-up
    list: set by hand, and moved on when an episode starts or ends."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CoordinatorStatus.choices,
        default=CoordinatorStatus.EJ_KONTAKTAD,
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=clock.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("koordinatorsstatus")
        verbose_name_plural = _("koordinatorsstatus")
        constraints = [
            models.UniqueConstraint(fields=["unit", "patient"], name="followup_once_per_unit"),
        ]

    def __str__(self) -> str:
        return f"Koordinatorsstatus {self.pk}"


class EndReason(models.TextChoices):
    ARBETE = "arbete", _("Åter i arbete")
    STUDIER = "studier", _("Påbörjat studier")
    ANNAT = "annat", _("Annat")


class Episode(models.Model):
    """A patient's koordineringsinsatser at the unit, from start to end."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coordination_episodes",
        verbose_name=_("ansvarig"),
    )
    started_on = models.DateField(_("startdatum"))
    need = models.TextField(_("behov av stöd"))
    employer = models.CharField(_("arbetsgivare"), max_length=200, blank=True)
    employer_contact = models.CharField(
        _("kontaktperson hos arbetsgivaren"), max_length=200, blank=True
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("medicinsk bedömning av"),
    )
    assessed_on = models.DateField(_("bedömningsdatum"))
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, related_name="+", verbose_name=_("samtycke vid start")
    )
    next_follow_up = models.DateField(_("nästa uppföljning"), null=True, blank=True)
    last_activity_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(_("avslutat"), null=True, blank=True)
    end_reason = models.CharField(
        _("anledning"), max_length=10, choices=EndReason.choices, blank=True
    )
    end_note = models.TextField(_("kommentar"), blank=True)
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("koordineringsärende")
        verbose_name_plural = _("koordineringsärenden")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "patient"],
                condition=Q(ended_on__isnull=True),
                name="episode_one_open_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(assessed_on__lte=models.F("started_on")),
                name="episode_assessed_before_start",
            ),
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end_reason=""))
                | (
                    Q(ended_on__isnull=False)
                    & ~Q(end_reason="")
                    & Q(ended_on__gte=models.F("started_on"))
                ),
                name="episode_end_complete",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "responsible"],
                condition=Q(ended_on__isnull=True),
                name="episode_open_responsible",
            ),
        ]

    def __str__(self) -> str:
        return f"Koordineringsärende {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class ActivityKind(models.TextChoices):
    PERSONLIGT_STOD = "personligt_stod", _("Personligt stöd")
    INTERN_SAMORDNING = "intern_samordning", _("Intern samordning")
    SAMVERKAN = "samverkan", _("Samverkan med andra aktörer")


class ContactMode(models.TextChoices):
    BESOK = "besok", _("Besök")
    TELEFON = "telefon", _("Telefon")
    VIDEO = "video", _("Video")


class Activity(models.Model):
    """One koordineringsinsats. Saving it writes a signed GC001 journal entry; it is never
    changed afterwards (a correction is a journal correction)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="activities")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("insats"), max_length=20, choices=ActivityKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aktör"),
    )
    performed_on = models.DateField(_("datum"))
    minutes = models.PositiveSmallIntegerField(_("tid (minuter)"))
    patient_contact = models.BooleanField(_("med patientkontakt"))
    mode = models.CharField(_("kontaktsätt"), max_length=8, choices=ContactMode.choices)
    note = models.TextField(_("anteckning"))
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    journal_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("koordineringsinsats")
        verbose_name_plural = _("koordineringsinsatser")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="samverkan") & Q(organisation__isnull=False))
                | (~Q(kind="samverkan") & Q(organisation__isnull=True)),
                name="activity_organisation_iff_samverkan",
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=600), name="activity_minutes_range"
            ),
        ]
        indexes = [
            models.Index(fields=["episode", "performed_on"], name="activity_episode_day"),
            models.Index(fields=["unit", "performed_on"], name="activity_unit_day"),
        ]

    def __str__(self) -> str:
        return f"Koordineringsinsats {self.pk}"


class FkChannel(models.TextChoices):
    BLANKETT = "blankett", _("Blankett eller brev")
    DIGITALT = "digitalt", _("Säker digital kommunikation")
    TELEFON = "telefon", _("Telefon")
    MOTE = "mote", _("Möte (t.ex. avstämningsmöte)")


class FkInformation(models.Model):
    """Försäkringskassan was told that the patient needs rehabilitation measures (2019:1297 4 §),
    with the patient's consent: what, when, how and by whom. The register of what was sent."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="fk_informations")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    informed_on = models.DateField(_("datum"))
    channel = models.CharField(_("hur"), max_length=10, choices=FkChannel.choices)
    content = models.TextField(_("vad som lämnades"))
    informed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="+")
    journal_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("information till Försäkringskassan")
        verbose_name_plural = _("information till Försäkringskassan")
        indexes = [models.Index(fields=["unit", "informed_on"], name="fkinfo_unit_day")]

    def __str__(self) -> str:
        return f"Information till Försäkringskassan {self.pk}"


class FollowUpReview(models.Model):
    """When a user last went through the unit's follow-up list ("markera som genomgången"):
    what changed after it is "nytt sedan min senaste genomgång"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=clock.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("genomgång av uppföljningslistan")
        verbose_name_plural = _("genomgångar av uppföljningslistan")
        indexes = [models.Index(fields=["user", "unit", "-reviewed_at"], name="review_latest")]

    def __str__(self) -> str:
        return f"Genomgång {self.reviewed_at:%Y-%m-%d}"


class Collaboration(models.TextChoices):
    ARBETSGIVARE = "arbetsgivare", _("Arbetsgivaren")
    FORSAKRINGSKASSAN = "fk", _("Försäkringskassan")
    ARBETSFORMEDLINGEN = "af", _("Arbetsförmedlingen")
    KOMMUN = "kommun", _("Kommunen")


class PlanVersion(models.Model):
    """One version of the return-to-work plan (vårdplan med planering för återgång i arbete).
    The first is drawn up (KVÅ DV077); each later one is the plan followed up and revised
    (AW026). Versions are never changed: the latest is the plan."""

    class Kind(models.TextChoices):
        DRAWN_UP = "upprattad", _("Upprättad")
        FOLLOWED_UP = "uppfoljd", _("Uppföljd")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="plan_versions")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    goals = models.TextField(_("mål"))
    # [{"from": "2026-12-01", "work": 25, "note": "..."}], in date order: how much the patient
    # works from which day.
    steps = models.JSONField(_("steg"), default=list)
    planned_sick_leave = models.TextField(_("planerad sjukskrivning"))
    collaboration = ArrayField(
        models.CharField(max_length=12, choices=Collaboration.choices),
        default=list,
        blank=True,
        verbose_name=_("samverkan"),
    )
    collaboration_note = models.TextField(_("om samverkan"), blank=True)
    follow_up_note = models.TextField(_("uppföljning"), blank=True)
    next_follow_up = models.DateField(_("nästa uppföljning"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    journal_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("version av plan för återgång i arbete")
        verbose_name_plural = _("versioner av plan för återgång i arbete")
        constraints = [
            models.UniqueConstraint(fields=["episode", "number"], name="plan_version_once"),
            models.CheckConstraint(
                condition=(Q(number=1) & Q(kind="upprattad"))
                | (Q(number__gt=1) & Q(kind="uppfoljd") & ~Q(follow_up_note="")),
                name="plan_first_drawn_up_then_followed_up",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan version {self.number}"

    @property
    def kva_code(self) -> str:
        return DV077 if self.kind == self.Kind.DRAWN_UP else AW026

    @property
    def get_collaboration_labels(self) -> list[str]:
        return [str(Collaboration(c).label) for c in self.collaboration]

    @property
    def step_rows(self) -> list[dict]:
        import datetime

        return [
            {
                "from": datetime.date.fromisoformat(step["from"]),
                "work": step["work"],
                "note": step.get("note", ""),
            }
            for step in self.steps
        ]
