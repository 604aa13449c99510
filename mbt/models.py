"""Medicinskt bedömningsteam (MBT): the unit's team, its meetings, and the cases registered for
them (anmälan). The consent gate is not stored: it is evaluated from the patient's consents
whenever the agenda is read (mbt.selectors), so a revoked consent takes effect at once."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import CareUnit, Organisation
from core import clock
from journal.models import JournalEntry, Patient


class MbtRole(models.TextChoices):
    """A member's role in the team. The first five are required by the regional routine."""

    REHABKOORDINATOR = "rehabkoordinator", _("Rehabiliteringskoordinator")
    LAKARE = "lakare", _("Läkare")
    FYSIOTERAPEUT = "fysioterapeut", _("Fysioterapeut")
    SAMTALSMOTTAGNING = "samtalsmottagning", _("Samtalsmottagningen (kurator/psykolog)")
    VARDADMINISTRATOR = "vardadministrator", _("Vårdadministratör")
    SJUKSKOTERSKA = "sjukskoterska", _("Sjuksköterska")
    ARBETSTERAPEUT = "arbetsterapeut", _("Arbetsterapeut")
    FK = "forsakringskassan", _("Försäkringskassan")
    AF = "arbetsformedlingen", _("Arbetsförmedlingen")
    SOCIALTJANST = "socialtjanst", _("Socialtjänsten")
    CHEF = "chef", _("Verksamhetschef/enhetschef")
    ANNAN = "annan", _("Annan profession")


REQUIRED_ROLES = (
    MbtRole.REHABKOORDINATOR,
    MbtRole.LAKARE,
    MbtRole.FYSIOTERAPEUT,
    MbtRole.SAMTALSMOTTAGNING,
    MbtRole.VARDADMINISTRATOR,
)


class Team(models.Model):
    """The unit's MBT, with its routine: how many working days before a meeting cases must be
    registered, and by what time of day."""

    unit = models.OneToOneField(CareUnit, on_delete=models.PROTECT, related_name="mbt_team")
    deadline_working_days = models.PositiveSmallIntegerField(
        _("sista anmälningsdag: arbetsdagar före mötet"), default=3
    )
    deadline_time = models.TimeField(_("sista anmälningstid"), default=datetime.time(12, 0))
    feedback_working_days = models.PositiveSmallIntegerField(
        _("återkoppling inom arbetsdagar"), default=5
    )
    default_case_minutes = models.PositiveSmallIntegerField(_("minuter per ärende"), default=10)
    default_room = models.CharField(_("rum"), max_length=120, blank=True)
    default_video_link = models.URLField(_("länk för digitalt deltagande"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("MBT-team")
        verbose_name_plural = _("MBT-team")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_working_days__lte=20), name="team_deadline_days_sane"
            ),
            models.CheckConstraint(
                condition=Q(default_case_minutes__gte=1) & Q(default_case_minutes__lte=120),
                name="team_case_minutes_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"MBT {self.unit}"


class TeamMember(models.Model):
    """A member: staff of the unit (user) or an external professional (organisation, with name
    and e-mail). Ended, never deleted."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("namn"), max_length=200, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    role = models.CharField(_("roll i teamet"), max_length=20, choices=MbtRole.choices)
    joined_on = models.DateField(_("med sedan"), default=clock.today)
    ended_on = models.DateField(_("slutade"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("teammedlem")
        verbose_name_plural = _("teammedlemmar")
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(organisation__isnull=True))
                | (Q(user__isnull=True) & Q(organisation__isnull=False) & ~Q(name="")),
                name="team_member_internal_or_external",
            ),
            models.UniqueConstraint(
                fields=["team", "user", "role"],
                condition=Q(ended_on__isnull=True, user__isnull=False),
                name="team_member_once_per_role",
            ),
            models.UniqueConstraint(
                fields=["team", "organisation", "name"],
                condition=Q(ended_on__isnull=True, organisation__isnull=False),
                name="team_external_member_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Teammedlem {self.pk}"

    @property
    def is_external(self) -> bool:
        return self.organisation_id is not None

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user_id else self.name

    @property
    def contact_email(self) -> str:
        return self.user.email if self.user_id else self.email

    @property
    def role_text(self) -> str:
        """The role as a list of participants shows it: "läkare", "fysioterapeut, Fysiokliniken
        AB"; a role that is an organisation ("Försäkringskassan") names it once."""
        role = str(MbtRole(self.role).label)
        if not self.is_external:
            return role.lower()
        if self.role in (MbtRole.FK, MbtRole.AF, MbtRole.SOCIALTJANST):
            return self.organisation.name
        return f"{role.lower()}, {self.organisation.name}"


class MeetingSeries(models.Model):
    """A recurring meeting: weekday and time, every week or every other week (counted in days
    from the first meeting, in local wall-clock time), until a date."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="series")
    first_date = models.DateField(_("första mötet"))
    until = models.DateField(_("till och med"))
    start_time = models.TimeField(_("klockan"))
    length_minutes = models.PositiveSmallIntegerField(_("längd (minuter)"), default=60)
    interval_weeks = models.PositiveSmallIntegerField(
        _("hur ofta"), choices=[(1, _("Varje vecka")), (2, _("Varannan vecka"))], default=2
    )
    room = models.CharField(_("rum"), max_length=120, blank=True)
    video_link = models.URLField(_("länk för digitalt deltagande"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mötesserie")
        verbose_name_plural = _("mötesserier")
        constraints = [
            models.CheckConstraint(
                condition=Q(until__gte=models.F("first_date")), name="series_until_after_first"
            ),
            models.CheckConstraint(
                condition=Q(interval_weeks__in=[1, 2]), name="series_interval_one_or_two"
            ),
        ]

    def __str__(self) -> str:
        return f"Mötesserie {self.pk}"


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planerat", _("Planerat")
        CANCELLED = "installt", _("Inställt")
        CLOSED = "avslutat", _("Avslutat")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="meetings")
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    starts_at = models.DateTimeField(_("tid"))
    length_minutes = models.PositiveSmallIntegerField(_("längd (minuter)"), default=60)
    room = models.CharField(_("rum"), max_length=120, blank=True)
    video_link = models.URLField(_("länk för digitalt deltagande"), blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordförande"),
    )
    acting_chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("t.f. ordförande"),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    cancel_reason = models.TextField(_("skäl till att mötet ställs in"), blank=True)
    moved_from = models.DateTimeField(null=True, blank=True)
    move_reason = models.TextField(_("skäl till flytt"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("MBT-möte")
        verbose_name_plural = _("MBT-möten")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="installt") | ~Q(cancel_reason=""),
                name="meeting_cancel_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="avslutat") | Q(closed_at__isnull=False),
                name="meeting_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(length_minutes__gte=15) & Q(length_minutes__lte=480),
                name="meeting_length_sane",
            ),
            models.UniqueConstraint(
                fields=["team", "starts_at"],
                condition=~Q(status="installt"),
                name="meeting_once_per_time",
                violation_error_message=_("Teamet har redan ett möte vid den tiden."),
            ),
        ]
        indexes = [models.Index(fields=["team", "starts_at"], name="meeting_team_starts")]

    def __str__(self) -> str:
        return f"MBT-möte {self.pk}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def local_start(self) -> datetime.datetime:
        return timezone.localtime(self.starts_at)

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.length_minutes)

    @property
    def presiding(self):
        """Who leads the meeting: the acting chair when one is set, else the chair."""
        return self.acting_chair or self.chair


class CaseReferral(models.Model):
    """Anmälan: a patient's case registered for a meeting by the registrant, who is responsible
    for documenting it. The question (frågeställning) is required."""

    class State(models.TextChoices):
        REGISTERED = "anmald", _("Anmält")
        LATE = "sen", _("Sen anmälan, väntar på ordförandens beslut")
        WITHDRAWN = "aterkallad", _("Återtaget")
        DISCUSSED = "diskuterat", _("Diskuterat")

    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="cases")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="mbt_cases")
    registrant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("anmäld av"),
    )
    registered_at = models.DateTimeField(_("anmäld"), default=clock.now)
    question = models.TextField(_("frågeställning"))
    background = models.TextField(_("kort bakgrund"), blank=True)
    wanted_roles = ArrayField(
        models.CharField(max_length=20, choices=MbtRole.choices),
        verbose_name=_("önskade professioner"),
        default=list,
        blank=True,
    )
    invited = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("inbjudna externa parter")
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.REGISTERED)
    position = models.PositiveIntegerField(default=0)
    minutes = models.PositiveSmallIntegerField(_("minuter"), default=10)
    late_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)
    journal_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[invited])

    class Meta:
        verbose_name = _("MBT-ärende")
        verbose_name_plural = _("MBT-ärenden")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "patient"],
                condition=~Q(state="aterkallad"),
                name="case_once_per_meeting",
                violation_error_message=_("Patienten är redan anmäld till det mötet."),
            ),
            models.CheckConstraint(condition=~Q(question=""), name="case_question_required"),
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=120), name="case_minutes_sane"
            ),
        ]
        indexes = [models.Index(fields=["meeting", "position"], name="case_meeting_position")]

    def __str__(self) -> str:
        return f"MBT-ärende {self.pk}"

    @property
    def wanted_role_labels(self) -> list[str]:
        return [str(MbtRole(role).label) for role in self.wanted_roles]


class Preparation(models.Model):
    """Förberedd: a professional has read the journal ahead of the case."""

    case = models.ForeignKey(CaseReferral, on_delete=models.PROTECT, related_name="preparations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=clock.now)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="preparation_once"),
        ]

    def __str__(self) -> str:
        return f"Förberedelse {self.pk}"


class Participation(models.Model):
    """How a member expects to take part in a meeting. Without a row: on site."""

    class Mode(models.TextChoices):
        ON_SITE = "plats", _("På plats")
        DIGITAL = "digitalt", _("Digitalt")
        AWAY = "franvarande", _("Kan inte delta")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="participations")
    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=12, choices=Mode.choices)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="participation_once"),
        ]

    def __str__(self) -> str:
        return f"Deltagande {self.pk}"


class CalendarToken(models.Model):
    """A personal calendar feed's secret. Only its hash is stored; revoking ends the feed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Kalenderlänk {self.pk}"

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class MeetingReminder(models.Model):
    """A reminder about a meeting that fell due: issued once per meeting and kind, together with
    one ReminderMail per recipient. Reminders issued before ReminderMail existed have none."""

    class Kind(models.TextChoices):
        DEADLINE = "deadline", _("Sista anmälningsdag närmar sig")
        AGENDA_READY = "agenda", _("Dagordningen är klar")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(_("utfärdad"), default=clock.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "kind"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"Påminnelse {self.pk}"


class ReminderMail(models.Model):
    """One reminder e-mail to one recipient (links only, never patient data). Made when its
    reminder falls due; the reminder job claims it, sends it and marks it sent in a transaction
    of its own. A failed send stays unsent, with the error, and is tried again on the next run
    until it is pointless (`expires_at`: the deadline has passed, the meeting has begun)."""

    class Kind(models.TextChoices):
        DEADLINE = "deadline", _("Sista anmälningsdag närmar sig")
        AGENDA_READY = "agenda", _("Dagordningen är klar")
        FEEDBACK_OVERDUE = "aterkoppling", _("Försenad återkoppling")
        # To a registrant whose cases a closed or cancelled meeting moved to the next one.
        CASES_MOVED = "flyttat", _("Anmälda ärenden flyttade")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    occasion = models.DateField(_("gäller dag"))
    address = models.EmailField(_("adress"))
    subject = models.CharField(_("ämne"), max_length=200)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(_("meningslös efter"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "kind", "recipient"],
                condition=models.Q(meeting__isnull=False),
                name="reminder_mail_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient", "occasion"],
                condition=models.Q(meeting__isnull=True),
                name="reminder_mail_once_per_day",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="aterkoppling", meeting__isnull=True)
                | (~models.Q(kind="aterkoppling") & models.Q(meeting__isnull=False)),
                name="reminder_mail_meeting_by_kind",
            ),
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="reminder_mail_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"Påminnelse {self.pk} till {self.address}"


# --- The conference (issue: running the meeting) ----------------------------------------------


class Outcome(models.TextChoices):
    """What the team decided for a case."""

    KURATOR = "kurator", _("Insats av kurator")
    PSYKOLOG = "psykolog", _("Insats av psykolog")
    FYSIOTERAPEUT = "fysioterapeut", _("Insats av fysioterapeut")
    ARBETSTERAPEUT = "arbetsterapeut", _("Insats av arbetsterapeut")
    LAKARE = "lakare", _("Insats av läkare")
    KOORDINERING = "koordinering", _("Koordineringsinsatser")
    REMISS_SMARTCENTRUM = "remiss_smarta", _("Remiss till Smärtcentrum")
    REMISS_STRESS = "remiss_stress", _("Remiss till Enheten för stressrelaterad ohälsa")
    REMISS_ANNAN = "remiss_annan", _("Remiss till annan specialiserad/multimodal rehabilitering")
    INGEN_ATGARD = "ingen", _("Ingen åtgärd")


REFERRAL_OUTCOMES = (Outcome.REMISS_SMARTCENTRUM, Outcome.REMISS_STRESS, Outcome.REMISS_ANNAN)


class Discussion(models.Model):
    """The team's discussion of a case: summary and outcomes, autosaved while the chair types.
    One per case; it follows the case when the case is postponed to the next meeting."""

    case = models.OneToOneField(CaseReferral, on_delete=models.PROTECT, related_name="discussion")
    summary = models.TextField(_("sammanfattning av diskussionen"), blank=True)
    outcomes = ArrayField(
        models.CharField(max_length=20, choices=Outcome.choices),
        verbose_name=_("utfall"),
        default=list,
        blank=True,
    )
    referral_other = models.CharField(_("annan remissmottagare"), max_length=200, blank=True)
    saved_at = models.DateTimeField(default=clock.now)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("diskussion")
        verbose_name_plural = _("diskussioner")

    def __str__(self) -> str:
        return f"Diskussion {self.pk}"

    @property
    def outcome_labels(self) -> list[str]:
        labels = []
        for outcome in self.outcomes:
            label = str(Outcome(outcome).label)
            if outcome == Outcome.REMISS_ANNAN and self.referral_other:
                label = f"{label}: {self.referral_other}"
            labels.append(label)
        return labels


class Postponement(models.Model):
    """A case carried to a later meeting, with why: its history stays with the case. The chair
    postpones a case (bordlägger); closing or cancelling a meeting moves every case it did not
    discuss. The case's registrant is told on the start page until they have seen it."""

    class Cause(models.TextChoices):
        POSTPONED = "bordlagt", _("Bordlagt")
        NOT_REACHED = "ej_hunnet", _("Hanns inte med")
        WAITING = "samtycke", _("Väntade på samtycke")
        LEFT = "lamnat", _("Hade lämnat dagordningen")
        LATE = "sen", _("Sen anmälan utan beslut")
        CANCELLED = "installt", _("Mötet ställdes in")
        RESCUED = "utan_mote", _("Flyttat från ett möte som redan var avslutat")

    case = models.ForeignKey(CaseReferral, on_delete=models.PROTECT, related_name="postponements")
    from_meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="+")
    to_meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="+")
    cause = models.CharField(
        _("orsak"), max_length=10, choices=Cause.choices, default=Cause.POSTPONED
    )
    reason = models.TextField(_("skäl"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)
    # When the case's registrant saw the notice on the start page ("Uppfattat").
    seen_at = models.DateTimeField(_("sedd av anmälaren"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="postponement_reason")]

    def __str__(self) -> str:
        return f"Bordläggning {self.pk}"


class ActionItem(models.Model):
    """Something to do after the meeting: what, who, by when."""

    case = models.ForeignKey(CaseReferral, on_delete=models.PROTECT, related_name="action_items")
    what = models.CharField(_("vad"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ansvarig"),
    )
    due_on = models.DateField(_("klart senast"))
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    # One-time key of the form that created it: sending the form twice writes one.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Åtgärd {self.pk}"

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < clock.today()


class Attendance(models.Model):
    """Who actually took part in a held meeting, and how."""

    class Mode(models.TextChoices):
        ON_SITE = "plats", _("På plats")
        DIGITAL = "digitalt", _("Digitalt")
        ABSENT = "franvarande", _("Frånvarande")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=12, choices=Mode.choices)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"Närvaro {self.pk}"


class FeedbackTask(models.Model):
    """Återkoppla och journalför: after the meeting the case's registrant signs the conference
    entry and tells the patient the outcome, within the team's working days."""

    class Method(models.TextChoices):
        BESOK = "besok", _("Besök")
        TELEFON = "telefon", _("Telefon")
        MEDDELANDE = "1177", _("1177-meddelande")
        BREV = "brev", _("Brev")

    case = models.OneToOneField(
        CaseReferral, on_delete=models.PROTECT, related_name="feedback_task"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ansvarig"),
    )
    due_on = models.DateField(_("återkoppla senast"))
    conference_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("hur"), max_length=10, choices=Method.choices, blank=True)
    given_on = models.DateField(_("när"), null=True, blank=True)
    said = models.TextField(_("vad som sades"), blank=True)
    feedback_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True)
                | (Q(given_on__isnull=False) & ~Q(method="") & Q(feedback_entry__isnull=False)),
                name="feedback_done_is_complete",
            ),
        ]
        indexes = [models.Index(fields=["owner", "done_at", "due_on"], name="feedback_owner_open")]

    def __str__(self) -> str:
        return f"Återkoppling {self.pk}"

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < clock.today()


class Addendum(models.Model):
    """A correction to closed minutes: the minutes never change, addenda are added to them."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(_("tillägg"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    # One-time key of the form that created it: sending the form twice writes one.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="addendum_text")]

    def __str__(self) -> str:
        return f"Tillägg {self.pk}"
