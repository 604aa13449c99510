"""People and organisations: staff (User), care providers (Vårdgivare), their vårdcentraler
(CareUnit), staff assignments to units (Assignment, medarbetaruppdrag) and external parties
(Organisation)."""

from __future__ import annotations

import datetime
import os

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.models import HistoricalRecords

from core import clock

hsa_id_validator = RegexValidator(
    regex=r"^SE\d{10}-[A-Za-z0-9]{1,31}$",
    message=_("Ett HSA-id ser ut som SE2321000016-ABCD: SE, tio siffror, bindestreck och tecken."),
)


class Profession(models.TextChoices):
    """The staff member's profession or title, shown beside their name in journal entries."""

    LAKARE = "lakare", _("Läkare")
    FYSIOTERAPEUT = "fysioterapeut", _("Fysioterapeut")
    KURATOR = "kurator", _("Kurator")
    PSYKOLOG = "psykolog", _("Psykolog")
    SJUKSKOTERSKA = "sjukskoterska", _("Sjuksköterska")
    ARBETSTERAPEUT = "arbetsterapeut", _("Arbetsterapeut")
    REHABKOORDINATOR = "rehabkoordinator", _("Rehabiliteringskoordinator")
    VARDADMINISTRATOR = "vardadministrator", _("Vårdadministratör")
    CHEF = "chef", _("Verksamhetschef/enhetschef")
    ANNAN = "annan", _("Annan profession")


class User(AbstractUser):
    """A member of staff. Deactivated (is_active=False), never deleted."""

    profession = models.CharField(
        _("profession"), max_length=32, choices=Profession.choices, default=Profession.ANNAN
    )
    title = models.CharField(
        _("titel"),
        max_length=120,
        blank=True,
        help_text=_("Fritext, t.ex. Specialistläkare i allmänmedicin."),
    )
    hsa_id = models.CharField(_("HSA-id"), max_length=44, blank=True, validators=[hsa_id_validator])
    # Raised to end every session of the user at once (accounts.services.sessions_end): it is
    # part of the hash each session is checked against on every request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")
        constraints = [
            # Case-insensitive: logins through the identity provider match HSA-ids so.
            models.UniqueConstraint(
                Upper("hsa_id"),
                condition=~Q(hsa_id=""),
                name="user_hsa_id_unique_ci",
                violation_error_message=_("Det finns redan en användare med det HSA-id:t."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_session_auth_hash(self) -> str:
        return self._with_generation(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self):
        for earlier in super().get_session_auth_fallback_hash():
            yield self._with_generation(earlier)

    def _with_generation(self, password_hash: str) -> str:
        """Django ends a session whose stored hash no longer matches (as after a password
        change); the generation does the same without a new password. Generation 0 leaves the
        hash as Django makes it, so sessions from before the field existed go on."""
        if not self.session_generation:
            return password_hash
        return f"{password_hash}.{self.session_generation}"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def name_and_profession(self) -> str:
        return f"{self.display_name}, {self.get_profession_display().lower()}"


class Vardgivare(models.Model):
    """Vårdgivare: the care provider (a region or a private company) that is responsible for its
    units' patient data. Whether consent is needed to discuss a patient turns on it."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        PRIVAT = "privat", _("Privat vårdgivare")

    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=16, choices=Kind.choices)
    hsa_id = models.CharField(
        _("HSA-id"), max_length=44, unique=True, validators=[hsa_id_validator]
    )
    organisation_number = models.CharField(_("organisationsnummer"), max_length=11, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vårdgivare")
        verbose_name_plural = _("vårdgivare")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CareUnit(models.Model):
    """A vårdcentral: a care unit of one vårdgivare, with its own staff and patients."""

    vardgivare = models.ForeignKey(
        Vardgivare, on_delete=models.PROTECT, related_name="units", verbose_name=_("vårdgivare")
    )
    name = models.CharField(_("namn"), max_length=200)
    hsa_id = models.CharField(
        _("HSA-id"), max_length=44, unique=True, validators=[hsa_id_validator]
    )
    is_active = models.BooleanField(_("aktiv"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vårdenhet")
        verbose_name_plural = _("vårdenheter")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a medarbetaruppdrag allows at the unit."""

    CARE = "vard", _("Vård och behandling")
    ADMINISTRATION = "administration", _("Vårdadministration")
    MANAGER = "chef", _("Verksamhetschef/enhetschef")


class AssignmentQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> AssignmentQuerySet:
        """Assignments in force on the given day (today by default), at active units, for
        active users. An ended assignment gives no access."""

        day = on or clock.today()
        return self.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            valid_from__lte=day,
            unit__is_active=True,
            user__is_active=True,
        )


class Assignment(models.Model):
    """Medarbetaruppdrag: a user's right to work at a care unit in a role, from one day to
    another (valid_to empty = until further notice)."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("användare")
    )
    unit = models.ForeignKey(
        CareUnit, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("vårdenhet")
    )
    role = models.CharField(_("roll"), max_length=16, choices=Role.choices, default=Role.CARE)
    valid_from = models.DateField(_("gäller från"))
    valid_to = models.DateField(
        _("gäller till och med"), null=True, blank=True, help_text=_("Tomt = tills vidare.")
    )

    history = HistoricalRecords()
    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("medarbetaruppdrag")
        verbose_name_plural = _("medarbetaruppdrag")
        ordering = ["unit__name", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="assignment_valid_to_after_from",
                violation_error_message=_("Slutdatum kan inte ligga före startdatum."),
            ),
        ]
        indexes = [models.Index(fields=["user", "valid_from"], name="assignment_user_from")]

    def __str__(self) -> str:
        return f"{self.user} – {self.unit} ({self.get_role_display()})"


class Organisation(models.Model):
    """An external party a unit works with: Försäkringskassan, Arbetsförmedlingen, a municipal
    socialtjänst, an employer, or another care provider (linked to its vårdgivare)."""

    class Kind(models.TextChoices):
        FORSAKRINGSKASSAN = "fk", _("Försäkringskassan")
        ARBETSFORMEDLINGEN = "af", _("Arbetsförmedlingen")
        SOCIALTJANST = "socialtjanst", _("Socialtjänst")
        ARBETSGIVARE = "arbetsgivare", _("Arbetsgivare")
        VARDGIVARE = "vardgivare", _("Annan vårdgivare")
        ANNAN = "annan", _("Annan")

    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=16, choices=Kind.choices)
    vardgivare = models.ForeignKey(
        Vardgivare,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("vårdgivare"),
        help_text=_("För en annan vårdgivare: vilken."),
    )
    organisation_number = models.CharField(_("organisationsnummer"), max_length=11, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="vardgivare") & Q(vardgivare__isnull=False))
                | (~Q(kind="vardgivare") & Q(vardgivare__isnull=True)),
                name="organisation_vardgivare_iff_care_provider",
                violation_error_message=_(
                    "En annan vårdgivare ska kopplas till sin vårdgivare; "
                    "andra organisationer inte."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AuthEvent(models.Model):
    """Authentication event log: every login, logout, failure, refusal and change of a second
    factor, with who, when and from where. Kept apart from the PDL access log (which records
    reads of patient data) and append-only: a database trigger refuses UPDATE and DELETE."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Inloggning")
        FAILED = "failed", _("Misslyckad inloggning")
        REFUSED = "refused", _("Nekad inloggning")
        LOGOUT = "logout", _("Utloggning")
        SESSION_ENDED = "session_ended", _("Sessionen avslutades")
        SECOND_FACTOR_FAILED = "otp_failed", _("Fel engångskod")
        SECOND_FACTOR_ENROLLED = "otp_enrolled", _("Tvåfaktorsinloggning aktiverad")
        SECOND_FACTOR_RESET = "otp_reset", _("Tvåfaktorsinloggning återställd")
        ENROLMENT_CODE_CREATED = "code_created", _("Aktiveringskod skapad")
        RECOVERY_CODES_CREATED = "recovery_created", _("Nya reservkoder")

    class Method(models.TextChoices):
        PASSWORD = "password", _("Lösenord")
        TOTP = "totp", _("Lösenord och engångskod")
        RECOVERY_CODE = "recovery", _("Lösenord och reservkod")
        OIDC = "oidc", _("E-tjänstekort")
        ADMIN = "admin", _("Administratör")

    at = models.DateTimeField(_("tid"), default=clock.now, db_default=models.functions.Now())
    kind = models.CharField(_("händelse"), max_length=20, choices=Kind.choices)
    method = models.CharField(_("metod"), max_length=10, choices=Method.choices, blank=True)
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="auth_events",
        verbose_name=_("användare"),
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utförd av"),
        help_text=_("När någon annan än användaren själv gjorde ändringen (en administratör)."),
    )
    # What was given when no account matched: the username typed or the HSA-id presented.
    username = models.CharField(_("angivet användarnamn"), max_length=150, blank=True)
    hsa_id = models.CharField(_("HSA-id"), max_length=64, blank=True)
    reason = models.CharField(_("orsak"), max_length=300, blank=True)
    acr = models.CharField(_("tillitsnivå (acr)"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP-adress"), null=True, blank=True)
    user_agent = models.CharField(_("webbläsare"), max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("inloggningshändelse")
        verbose_name_plural = _("inloggningshändelser")
        indexes = [
            models.Index(fields=["-at"], name="authevent_at"),
            models.Index(fields=["user", "-at"], name="authevent_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class EnrolmentCode(models.Model):
    """Aktiveringskod: a one-time code an administrator gives a user (in person or by phone) so
    that they can set up their authenticator app. Without it a password alone could set up an
    app of someone else's. Stored hashed like a password; valid until used or expired."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="enrolment_codes", verbose_name=_("användare")
    )
    code_hash = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("skapad av")
    )
    created_at = models.DateTimeField(_("skapad"), default=clock.now)
    expires_at = models.DateTimeField(_("gäller till"))
    used_at = models.DateTimeField(_("använd"), null=True, blank=True)

    class Meta:
        verbose_name = _("aktiveringskod")
        verbose_name_plural = _("aktiveringskoder")
        indexes = [models.Index(fields=["user", "expires_at"], name="enrolmentcode_user")]

    def __str__(self) -> str:
        return f"Aktiveringskod för {self.user}"


class Authenticator(TOTPDevice):
    """The user's authenticator app: django-otp's TOTP device (its throttling, drift and
    one-use-per-step rules unchanged) whose seed is stored encrypted (accounts.totp_secrets).
    Our code reads devices only through this class; django-otp's own class would find no usable
    key in the column."""

    class Meta:
        proxy = True
        verbose_name = _("autentiseringsapp")
        verbose_name_plural = _("autentiseringsappar")

    @classmethod
    def with_new_secret(
        cls, *, user: User, name: str, confirmed: bool, secret: bytes | None = None
    ):
        """An unsaved device with a random (or the given) seed, encrypted."""
        from accounts import totp_secrets

        device = cls(user=user, name=name, confirmed=confirmed)
        device.key = totp_secrets.encrypt(secret or os.urandom(20), user_id=user.pk)
        return device

    @property
    def bin_key(self) -> bytes:
        from accounts import totp_secrets

        return totp_secrets.decrypt(self.key, user_id=self.user_id)


class RecoveryCodes(StaticDevice):
    """The user's recovery codes (reservkoder) as one django-otp device, for its throttling; the
    codes themselves are RecoveryCode rows, hashed, never django-otp's plain tokens."""

    class Meta:
        proxy = True
        verbose_name = _("reservkoder")
        verbose_name_plural = _("reservkoder")

    def verify_token(self, token) -> bool:
        """Uses up the matching code. The caller holds the device row locked."""
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        for code in RecoveryCode.objects.filter(device=self):
            if check_password(str(token), code.code_hash):
                code.delete()
                self.throttle_reset()
                return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    """One reservkod, stored hashed like a password: the plain code is shown once, when made."""

    device = models.ForeignKey(StaticDevice, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("reservkod")
        verbose_name_plural = _("reservkoder")

    def __str__(self) -> str:
        return f"Reservkod {self.pk}"

    @classmethod
    def hashed(cls, *, device: StaticDevice, code: str) -> RecoveryCode:
        return cls(device=device, code_hash=make_password(code))
