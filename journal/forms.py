from __future__ import annotations

import datetime
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Assignment, CareUnit, User
from core import clock
from journal.models import AccessLog, LogReview, LogReviewSettings, Patient
from journal.personnummer import InvalidIdentityNumber, parse_identity_number
from journal.selectors import (
    FLAG_AFTER_HOURS,
    FLAG_NO_RELATION,
    FLAG_PROTECTED,
    FLAG_VOLUME,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """A report's period: from and to (inclusive), at most three years, from 2000 to next year."""

    start = forms.DateField(label=_("Från"), widget=DateInput())
    end = forms.DateField(label=_("Till och med"), widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        next_year = clock.today() + datetime.timedelta(days=366)
        if start and end:
            if end < start:
                self.add_error("end", _("Slutdatum kan inte ligga före startdatum."))
            elif (end - start).days > 3 * 366:
                self.add_error("end", _("Välj en period på högst tre år."))
            elif start < datetime.date(2000, 1, 1) or end > next_year:
                self.add_error("start", _("Välj datum mellan år 2000 och nästa år."))
        return data


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Personnummer, reservnummer eller namn"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "autofocus": True}),
        help_text=_("T.ex. 19121212-1212, 121212-1212 eller Svensson. Sökningen loggas."),
        error_messages={"max_length": _("Sökningen får vara högst 100 tecken.")},
    )


def staff_choices(unit: CareUnit):
    return User.objects.filter(
        pk__in=Assignment.objects.current().filter(unit=unit).values("user")
    ).order_by("last_name", "first_name")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name_and_profession


class PatientDetailsForm(forms.ModelForm):
    fast_vardkontakt = StaffChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Fast vårdkontakt vid enheten"),
        empty_label=_("Ingen utsedd"),
    )

    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "phone",
            "street_address",
            "postal_code",
            "city",
            "interpreter_needed",
            "interpreter_language",
            "protected_identity",
            "deceased_date",
        ]
        widgets = {"deceased_date": DateInput()}

    def __init__(self, *args, unit: CareUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fast_vardkontakt"].queryset = staff_choices(unit)
        self.fields["first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["last_name"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        data = super().clean()
        if data.get("interpreter_needed") and not data.get("interpreter_language"):
            self.add_error("interpreter_language", _("Ange vilket språk tolken ska tala."))
        deceased = data.get("deceased_date")
        if deceased and deceased > clock.today():
            self.add_error("deceased_date", _("Datumet kan inte ligga i framtiden."))
        return data

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.details_fields()}

    def details_fields(self) -> list[str]:
        return [name for name in self._meta.fields if name in self.fields]

    def validate_unique(self):
        # The service decides identity and uniqueness; the details alone are never unique.
        pass


class PatientRegisterForm(PatientDetailsForm):
    identity = forms.CharField(
        label=_("Personnummer eller samordningsnummer"),
        max_length=20,
        required=False,
        help_text=_("Skriv med eller utan sekel, bindestreck eller plustecken."),
    )
    use_reservnummer = forms.BooleanField(
        label=_("Patienten saknar personnummer: tilldela ett reservnummer"), required=False
    )

    field_order = ["identity", "use_reservnummer"]

    def clean(self):
        data = super().clean()
        if data.get("use_reservnummer"):
            data["identity"] = ""
        elif not data.get("identity"):
            self.add_error(
                "identity",
                _("Ange personnummer eller samordningsnummer, eller välj reservnummer."),
            )
        else:
            try:
                parsed = parse_identity_number(data["identity"], today=clock.today())
            except InvalidIdentityNumber as error:
                self.add_error("identity", str(error))
            else:
                data["identity"] = parsed.formatted
        return data


class PatientEditForm(PatientDetailsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    ADDRESS_FIELDS = ("street_address", "postal_code", "city")

    def __init__(self, *args, current_contact: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.protected_identity:
            # Never shown, so never posted: leaving them in the form would wipe the address.
            for name in self.ADDRESS_FIELDS:
                del self.fields[name]
        if current_contact is not None:
            # Keep the chosen contact selectable even after their assignment has ended.
            field = self.fields["fast_vardkontakt"]
            field.queryset = (
                field.queryset | User.objects.filter(pk=current_contact.pk)
            ).distinct()


class KvaCodesField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value) or ""
        return [code.strip().upper() for code in value.replace(";", ",").split(",") if code.strip()]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value


class SubmissionKeyField(forms.UUIDField):
    """A one-time key rendered with the form: sending the same form twice creates one record."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, required=False, initial=uuid.uuid4, **kwargs)


class JournalNoteForm(forms.Form):
    submission_key = SubmissionKeyField()
    text = forms.CharField(
        label=_("Anteckning"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000
    )
    kva_codes = KvaCodesField(
        label=_("KVÅ-koder"),
        required=False,
        max_length=100,
        help_text=_("Valfritt, t.ex. GC001. Flera koder skiljs med komma."),
    )
    sign = forms.BooleanField(
        label=_("Signera nu (en signerad anteckning kan bara rättas, inte ändras)"),
        required=False,
        initial=True,
    )


class JournalDraftForm(forms.Form):
    text = JournalNoteForm.base_fields["text"]
    kva_codes = JournalNoteForm.base_fields["kva_codes"]
    version = forms.IntegerField(widget=forms.HiddenInput)


class JournalCorrectionForm(forms.Form):
    submission_key = SubmissionKeyField()
    text = forms.CharField(
        label=_("Rättelse"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20_000,
        help_text=_(
            "Skriv den rättade texten och varför. Den ursprungliga anteckningen står kvar och "
            "visas tillsammans med rättelsen."
        ),
    )


# --- Log review ---------------------------------------------------------------------------------

FLAG_CHOICES = [
    (FLAG_PROTECTED, _("Skyddad identitet")),
    (FLAG_NO_RELATION, _("Åtkomst utan vårdrelation vid enheten")),
    (FLAG_AFTER_HOURS, _("Utanför kontorstid")),
    (FLAG_VOLUME, _("Ovanlig volym för användaren")),
]


class LogFilterForm(forms.Form):
    date_from = forms.DateField(label=_("Från"), widget=DateInput())
    date_to = forms.DateField(label=_("Till och med"), widget=DateInput())
    unit = forms.ModelChoiceField(
        label=_("Vårdenhet"),
        queryset=CareUnit.objects.none(),
        required=False,
        empty_label=_("Alla mina enheter"),
    )
    user = StaffChoiceField(
        label=_("Användare"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Alla användare"),
    )
    patient = forms.CharField(label=_("Patientens personnummer"), required=False, max_length=20)
    action = forms.ChoiceField(
        label=_("Händelse"),
        choices=[("", _("Alla händelser")), *AccessLog.Action.choices],
        required=False,
    )
    flags = forms.MultipleChoiceField(
        label=_("Visa bara flaggade"),
        choices=FLAG_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_review_reads = forms.BooleanField(
        label=_("Visa även läsningar gjorda vid logguppföljning"), required=False
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, units: list[CareUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = CareUnit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["user"].queryset = User.objects.filter(
            pk__in=Assignment.objects.filter(unit__in=units).values("user")
        ).order_by("last_name", "first_name")
        self.patient_identity = None

    @staticmethod
    def default_period() -> tuple[datetime.date, datetime.date]:
        today = clock.today()
        return today - datetime.timedelta(days=6), today

    def clean_patient(self):
        raw = self.cleaned_data.get("patient", "")
        if not raw.strip():
            return ""
        try:
            self.patient_identity = parse_identity_number(raw, today=clock.today())
        except InvalidIdentityNumber as error:
            raise forms.ValidationError(str(error)) from None
        return self.patient_identity.formatted

    EARLIEST = datetime.date(2000, 1, 1)

    def _sensible(self, name: str):
        day = self.cleaned_data.get(name)
        if day and not (self.EARLIEST <= day <= clock.today()):
            raise forms.ValidationError(
                _("Välj ett datum mellan %(first)s och i dag.")
                % {"first": self.EARLIEST.isoformat()}
            )
        return day

    def clean_date_from(self):
        return self._sensible("date_from")

    def clean_date_to(self):
        return self._sensible("date_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Slutdatum kan inte ligga före startdatum."))
        if start and end and (end - start).days > 366:
            self.add_error("date_to", _("Välj en period på högst ett år."))
        return data


class LogReviewForm(forms.ModelForm):
    submission_key = SubmissionKeyField()

    class Meta:
        model = LogReview
        fields = [
            "unit",
            "period_start",
            "period_end",
            "sample",
            "findings",
            "outcome",
            "actions_taken",
        ]
        labels = {"unit": _("Granskad enhet")}
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            "sample": forms.Textarea(attrs={"rows": 2}),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "actions_taken": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "sample": _(
                'Vad granskades, t.ex. "alla flaggade poster" eller "20 slumpvisa poster".'
            ),
            "actions_taken": _("Krävs när avvikelser hittats: samtal, anmälan, ändrad behörighet…"),
        }

    def __init__(self, *args, units: list[CareUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", _("Välj resultat")), *LogReview.Outcome.choices]
        self.fields["unit"].queryset = CareUnit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["unit"].empty_label = None

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Slutdatum kan inte ligga före startdatum."))
        if (
            data.get("outcome")
            and data["outcome"] != LogReview.Outcome.NO_FINDINGS
            and not (data.get("actions_taken") or "").strip()
        ):
            self.add_error("actions_taken", _("Beskriv vad som görs åt avvikelserna."))
        return data

    def validate_constraints(self, exclude=None):
        # The service saves unit and reviewer; the form's messages cover the rules.
        pass


class LogExtractForm(forms.Form):
    identity = forms.CharField(
        label=_("Patientens personnummer eller samordningsnummer"), max_length=20
    )

    def clean_identity(self):
        try:
            return parse_identity_number(self.cleaned_data["identity"], today=clock.today())
        except InvalidIdentityNumber as error:
            raise forms.ValidationError(str(error)) from None


class LogSettingsForm(forms.ModelForm):
    class Meta:
        model = LogReviewSettings
        fields = ["office_start", "office_end", "volume_factor", "volume_minimum"]
        localized_fields = ["volume_factor"]  # Swedish users write 2,5
        widgets = {
            "office_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "office_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("office_start"), data.get("office_end")
        if start and end and end <= start:
            self.add_error("office_end", _("Kontorstiden måste sluta efter att den börjar."))
        factor = data.get("volume_factor")
        if factor is not None and factor <= 1:
            self.add_error("volume_factor", _("Ange en faktor större än 1."))
        return data

    def validate_constraints(self, exclude=None):
        pass
