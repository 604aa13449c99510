"""The patient's consents at a unit: given orally or in writing, for a scope, possibly until a
date, and possibly revoked. Nothing is deleted; every given and revoked consent is journalled."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import CareUnit, Organisation
from core import clock
from journal.models import JournalEntry, Patient


class PrivateStorage(LazyObject):
    """Uploaded documents live outside every publicly served path; only a view that checks
    access (and logs it) serves them."""

    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


private_storage = PrivateStorage()


def get_private_storage():
    """A callable, so migrations refer to it by name instead of freezing a server's path."""
    return private_storage


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "PRIVATE_MEDIA_ROOT":
        private_storage._wrapped = empty


class Scope(models.TextChoices):
    MBT = "mbt", _("Diskussion i medicinskt bedömningsteam (MBT)")
    KOORDINERING = "koordinering", _("Koordineringsinsatser")
    FK_INFORMATION = "fk_information", _("Information till Försäkringskassan (2019:1297 4 §)")
    SAMVERKAN = "samverkan", _("Samverkan med extern part")


def scope_phrase(scope: str, party_name: str | None = None) -> str:
    """The scope as it reads inside a sentence ("samtycke till …")."""
    if scope == Scope.SAMVERKAN and party_name:
        return str(_("samverkan med %(party)s") % {"party": party_name})
    return str(
        {
            Scope.MBT: _("diskussion i medicinskt bedömningsteam (MBT)"),
            Scope.KOORDINERING: _("koordineringsinsatser"),
            Scope.FK_INFORMATION: _("information till Försäkringskassan (2019:1297 4 §)"),
            Scope.SAMVERKAN: _("samverkan med extern part"),
        }[scope]
    )


class ConsentForm(models.TextChoices):
    MUNTLIGT = "muntligt", _("Muntligt")
    SKRIFTLIGT = "skriftligt", _("Skriftligt")


class RevocationMethod(models.TextChoices):
    BESOK = "besok", _("Vid besök")
    TELEFON = "telefon", _("Per telefon")
    SKRIFTLIGT = "skriftligt", _("Skriftligt")
    MEDDELANDE = "1177", _("Via 1177-meddelande")


def _document_path(instance, filename: str) -> str:
    # No patient data in the stored name; the extension comes from the parsed content.
    return f"samtycken/{clock.now():%Y/%m}/{instance.document_token}{instance.document_extension}"


class Consent(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    unit = models.ForeignKey(CareUnit, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(_("gäller"), max_length=20, choices=Scope.choices)
    party = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("extern part"),
    )
    form = models.CharField(_("form"), max_length=12, choices=ConsentForm.choices)
    given_on = models.DateField(_("samtycke givet"))
    valid_until = models.DateField(_("gäller till och med"), null=True, blank=True)
    note = models.TextField(_("anteckning"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    document = models.FileField(
        _("underskriven blankett"),
        storage=get_private_storage,
        upload_to=_document_path,
        blank=True,
    )
    document_token = models.CharField(max_length=32, blank=True)
    document_extension = models.CharField(max_length=5, blank=True)
    document_content_type = models.CharField(max_length=40, blank=True)
    document_size = models.PositiveIntegerField(null=True, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)

    revoked_on = models.DateField(_("återkallat"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_method = models.CharField(
        _("hur"), max_length=12, choices=RevocationMethod.choices, blank=True
    )
    revocation_reason = models.TextField(_("skäl"), blank=True)

    journal_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revocation_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The form's one-time key: a double-clicked submit finds the consent the first click wrote.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("samtycke")
        verbose_name_plural = _("samtycken")
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="samverkan") & Q(party__isnull=False))
                | (~Q(scope="samverkan") & Q(party__isnull=True)),
                name="consent_party_iff_samverkan",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("given_on")),
                name="consent_valid_until_after_given",
            ),
            models.CheckConstraint(
                condition=Q(form="muntligt") | ~Q(document=""),
                name="consent_written_has_document",
            ),
            models.CheckConstraint(
                condition=(
                    Q(revoked_on__isnull=True)
                    & Q(revoked_by__isnull=True)
                    & Q(revoked_at__isnull=True)
                    & Q(revocation_method="")
                )
                | (
                    Q(revoked_on__isnull=False)
                    & Q(revoked_by__isnull=False)
                    & Q(revoked_at__isnull=False)
                    & ~Q(revocation_method="")
                    & Q(revoked_on__gte=models.F("given_on"))
                ),
                name="consent_revocation_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "patient"], name="consent_unit_patient"),
            models.Index(
                fields=["unit", "valid_until"],
                condition=Q(revoked_on__isnull=True, valid_until__isnull=False),
                name="consent_unit_expiring",
            ),
        ]

    def __str__(self) -> str:
        return f"Samtycke {self.pk}"

    @property
    def scope_label(self) -> str:
        if self.scope == Scope.SAMVERKAN and self.party_id:
            return f"Samverkan med {self.party.name}"
        return str(self.get_scope_display())

    def status(self, on: datetime.date | None = None) -> str:
        """'giltigt', 'återkallat' or 'utgånget' on the given day (today by default)."""
        on = on or clock.today()
        if self.revoked_on and self.revoked_on <= on:
            return "återkallat"
        if self.valid_until and self.valid_until < on:
            return "utgånget"
        return "giltigt"
