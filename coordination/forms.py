from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Assignment, CareUnit, Organisation, Profession, User
from coordination.models import (
    ActivityKind,
    Collaboration,
    ContactMode,
    CoordinatorStatus,
    EndReason,
    Extent,
    FkChannel,
    Occupation,
)
from core import clock
from journal.forms import DateInput, StaffChoiceField, SubmissionKeyField, staff_choices


class DiagnosisConfirmField(forms.BooleanField):
    """Shown only after the text was found to hold something like a diagnosis code."""

    def __init__(self, **kwargs):
        super().__init__(
            label=_("Jag har kontrollerat texten: det är ingen diagnos"), required=False, **kwargs
        )


class DiagnosisCheckedForm(forms.Form):
    diagnosis_confirmed = DiagnosisConfirmField()
    # The field whose text is checked, for the inline warning while typing.
    diagnosis_field = "note"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.diagnosis_codes: list[str] = []
        field = self[self.diagnosis_field]
        field.field.widget.attrs.update(
            {
                # While typing, htmx asks whether the text looks like it holds a diagnosis code.
                "hx-post": reverse_lazy("coordination:diagnosis_check"),
                "hx-trigger": "input changed delay:700ms",
                "hx-target": f"#{field.auto_id}-diagnosis",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )

    @property
    def diagnosis_live_id(self) -> str:
        return f"{self[self.diagnosis_field].auto_id}-diagnosis"


class SickLeaveForm(forms.Form):
    prefix = "sjukskrivning"
    start_date = forms.DateField(label=_("Från och med"), widget=DateInput())
    end_date = forms.DateField(label=_("Till och med"), widget=DateInput())
    extent = forms.TypedChoiceField(
        label=_("Omfattning"), choices=Extent.choices, coerce=int, initial=Extent.FULL
    )
    occupation = forms.ChoiceField(
        label=_("Sysselsättning"), choices=Occupation.choices, initial=Occupation.ANSTALLD
    )


class VoidPeriodForm(forms.Form):
    reason = forms.CharField(label=_("Varför tas perioden bort?"), max_length=500)


class DoctorChoiceField(StaffChoiceField):
    pass


def doctors_at(unit: CareUnit):
    return User.objects.filter(
        pk__in=Assignment.objects.filter(unit=unit).values("user"),
        profession=Profession.LAKARE,
        is_active=True,
    ).order_by("last_name", "first_name")


class EpisodeStartForm(DiagnosisCheckedForm):
    diagnosis_field = "need"
    submission_key = SubmissionKeyField()
    started_on = forms.DateField(label=_("Startdatum"), widget=DateInput())
    responsible = StaffChoiceField(
        label=_("Ansvarig"),
        queryset=User.objects.none(),
        help_text=_(
            "Den i teamet som har bäst förutsättningar och kontakt med patienten, t.ex. fast "
            "läkar- eller vårdkontakt eller rehabiliteringskoordinatorn."
        ),
    )
    need = forms.CharField(
        label=_("Behov av stöd"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Vad patienten behöver för att återgå i arbete. Ingen diagnos."),
    )
    assessed_by = DoctorChoiceField(
        label=_("Medicinsk bedömning gjord av"),
        queryset=User.objects.none(),
        empty_label=_("Välj läkare"),
    )
    assessed_on = forms.DateField(label=_("Bedömningen gjordes"), widget=DateInput())
    employer = forms.CharField(label=_("Arbetsgivare"), max_length=200, required=False)
    employer_contact = forms.CharField(
        label=_("Kontaktperson hos arbetsgivaren"),
        max_length=200,
        required=False,
        help_text=_("Namn och telefon, om patienten vill att ni har kontakt."),
    )
    next_follow_up = forms.DateField(
        label=_("Nästa uppföljning"), widget=DateInput(), required=False
    )

    def __init__(self, *args, unit: CareUnit, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = staff_choices(unit)
        self.fields["assessed_by"].queryset = doctors_at(unit)
        self.fields["responsible"].initial = user.pk
        self.fields["started_on"].initial = clock.today


class EpisodeEditForm(DiagnosisCheckedForm):
    diagnosis_field = "need"
    version = forms.IntegerField(widget=forms.HiddenInput)
    responsible = StaffChoiceField(label=_("Ansvarig"), queryset=User.objects.none())
    need = forms.CharField(
        label=_("Behov av stöd"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    employer = forms.CharField(label=_("Arbetsgivare"), max_length=200, required=False)
    employer_contact = forms.CharField(
        label=_("Kontaktperson hos arbetsgivaren"), max_length=200, required=False
    )
    next_follow_up = forms.DateField(
        label=_("Nästa uppföljning"), widget=DateInput(), required=False
    )

    def __init__(self, *args, unit: CareUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = staff_choices(unit)


class EpisodeEndForm(DiagnosisCheckedForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = forms.DateField(label=_("Avslutas"), widget=DateInput())
    reason = forms.ChoiceField(
        label=_("Anledning"), choices=EndReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = clock.today


class ActivityForm(DiagnosisCheckedForm):
    prefix = "insats"
    submission_key = SubmissionKeyField()
    kind = forms.ChoiceField(
        label=_("Insats"), choices=ActivityKind.choices, widget=forms.RadioSelect
    )
    organisation = forms.ModelChoiceField(
        label=_("Aktör (vid samverkan)"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Välj aktör"),
    )
    performed_on = forms.DateField(label=_("Datum"), widget=DateInput())
    minutes = forms.IntegerField(
        label=_("Tid (minuter)"),
        min_value=1,
        max_value=600,
        initial=30,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    patient_contact = forms.TypedChoiceField(
        label=_("Patientkontakt"),
        choices=[("ja", _("Med patientkontakt")), ("nej", _("Utan patientkontakt"))],
        coerce=lambda value: value == "ja",
        initial="ja",
        widget=forms.RadioSelect,
    )
    mode = forms.ChoiceField(
        label=_("Kontaktsätt"),
        choices=ContactMode.choices,
        initial=ContactMode.TELEFON,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Vad gjordes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Journalförs med KVÅ GC001, utan diagnos."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True).order_by(
            "name"
        )
        self.fields["performed_on"].initial = clock.today


class FkInformationForm(DiagnosisCheckedForm):
    prefix = "fk"
    diagnosis_field = "content"
    submission_key = SubmissionKeyField()
    informed_on = forms.DateField(label=_("Datum"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Hur"), choices=FkChannel.choices)
    content = forms.CharField(
        label=_("Vad som lämnades"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_(
            "Att patienten har behov av rehabiliteringsåtgärder (30 kap. socialförsäkringsbalken) "
            "och vilka. Ingen diagnos."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["informed_on"].initial = clock.today


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Koordinatorsstatus"), choices=CoordinatorStatus.choices)


class ReassignEpisodesForm(forms.Form):
    from_user = StaffChoiceField(label=_("Från"), queryset=User.objects.none())
    to_user = StaffChoiceField(label=_("Till"), queryset=User.objects.none())

    def __init__(self, *args, unit: CareUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = User.objects.filter(
            pk__in=Assignment.objects.filter(unit=unit).values("user")
        ).order_by("last_name", "first_name")
        self.fields["to_user"].queryset = staff_choices(unit)


class FollowUpFilterForm(forms.Form):
    """The follow-up list's filters: in the URL, as they hold no patient data."""

    responsible = forms.TypedChoiceField(
        label=_("Ansvarig"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alla"))] + list(CoordinatorStatus.choices),
    )
    min_days = forms.IntegerField(
        label=_("Sjukskriven minst (dagar)"), required=False, min_value=0, max_value=3650
    )
    ends_within = forms.IntegerField(
        label=_("Slutar inom (dagar)"), required=False, min_value=0, max_value=366
    )
    idle_days = forms.IntegerField(
        label=_("Ingen insats på (dagar)"), required=False, min_value=0, max_value=366
    )
    only_new = forms.BooleanField(label=_("Bara nytt sedan min senaste genomgång"), required=False)
    sort = forms.ChoiceField(label=_("Sortera"), required=False, choices=[])
    page = forms.IntegerField(
        required=False, min_value=1, max_value=100000, widget=forms.HiddenInput
    )

    def __init__(self, *args, staff, sorts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = [
            ("", _("Alla")),
            ("0", _("Inget pågående ärende")),
        ] + [(str(u.pk), u.display_name) for u in staff]
        self.fields["sort"].choices = list(sorts.items())


STEP_ROWS = 6


class PlanForm(DiagnosisCheckedForm):
    """The return-to-work plan: goals, dated steps, planned sick leave, collaboration, next
    follow-up; when following up, how the plan went."""

    diagnosis_field = "goals"
    submission_key = SubmissionKeyField()
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    follow_up_note = forms.CharField(
        label=_("Hur har planen följts?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Vid uppföljning: vad som fungerat och vad som ändras."),
    )
    goals = forms.CharField(
        label=_("Mål"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Patientens mål för återgången, med patientens egna ord. Ingen diagnos."),
    )
    planned_sick_leave = forms.CharField(
        label=_("Planerad sjukskrivning"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("T.ex. 100 % till 2026-12-14, därefter 75 % i fyra veckor."),
    )
    collaboration = forms.MultipleChoiceField(
        label=_("Samverkan behövs med"),
        choices=Collaboration.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    collaboration_note = forms.CharField(
        label=_("Om samverkan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_follow_up = forms.DateField(
        label=_("Nästa uppföljning"), widget=DateInput(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        work_choices = [("", _("–"))] + [(str(w), f"{w} %") for w in (25, 50, 75, 100)]
        for row in range(1, STEP_ROWS + 1):
            self.fields[f"step_{row}_from"] = forms.DateField(
                label=_("Från och med (steg %(n)s)") % {"n": row},
                required=False,
                widget=DateInput(),
            )
            self.fields[f"step_{row}_work"] = forms.TypedChoiceField(
                label=_("Arbetar (steg %(n)s)") % {"n": row},
                choices=work_choices,
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.fields[f"step_{row}_note"] = forms.CharField(
                label=_("Kommentar (steg %(n)s)") % {"n": row}, required=False, max_length=200
            )

    @property
    def step_rows(self):
        return [
            (self[f"step_{row}_from"], self[f"step_{row}_work"], self[f"step_{row}_note"])
            for row in range(1, STEP_ROWS + 1)
        ]

    def steps(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "from": data.get(f"step_{row}_from"),
                "work": data.get(f"step_{row}_work"),
                "note": data.get(f"step_{row}_note", ""),
            }
            for row in range(1, STEP_ROWS + 1)
        ]

    @staticmethod
    def initial_from(version) -> dict:
        if version is None:
            return {"based_on": 0}
        initial = {
            "based_on": version.number,
            "goals": version.goals,
            "planned_sick_leave": version.planned_sick_leave,
            "collaboration": version.collaboration,
            "collaboration_note": version.collaboration_note,
            "next_follow_up": version.next_follow_up,
        }
        for row, step in enumerate(version.step_rows[:STEP_ROWS], start=1):
            initial[f"step_{row}_from"] = step["from"]
            initial[f"step_{row}_work"] = str(step["work"])
            initial[f"step_{row}_note"] = step["note"]
        return initial


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fil från sjukskrivningsöversikten"),
        help_text=_("CSV eller Excel (.xlsx), högst 2 MB. Diagnoskolumner läses inte."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    default_occupation = forms.ChoiceField(
        label=_("Sysselsättning när filen inte anger den"),
        choices=Occupation.choices,
        initial=Occupation.ANSTALLD,
    )


class ImportConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)
