from __future__ import annotations

import datetime

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Assignment, Organisation, User
from core import clock
from journal.forms import DateInput, PeriodForm, StaffChoiceField, SubmissionKeyField, staff_choices
from mbt.models import FeedbackTask, MbtRole, Meeting, Participation, Team
from mbt.services import LATE_ASK_CHAIR, LATE_NEXT, deadline_of, next_open_meeting


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class TeamSettingsForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = [
            "deadline_working_days",
            "deadline_time",
            "feedback_working_days",
            "default_case_minutes",
            "default_room",
            "default_video_link",
        ]
        widgets = {"deadline_time": TimeInput()}
        help_texts = {
            "deadline_working_days": _("Vardagar, helgdagar och aftnar räknas inte."),
        }


class InternalMemberForm(forms.Form):
    prefix = "intern"
    user = StaffChoiceField(label=_("Medarbetare"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Roll i teamet"), choices=MbtRole.choices)

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_choices(unit)


class ExternalMemberForm(forms.Form):
    prefix = "extern"
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
    )
    name = forms.CharField(label=_("Namn"), max_length=200)
    email = forms.EmailField(label=_("E-post"), required=False)
    role = forms.ChoiceField(label=_("Roll i teamet"), choices=MbtRole.choices)


class SeriesForm(forms.Form):
    submission_key = SubmissionKeyField()
    first_date = forms.DateField(label=_("Första mötet"), widget=DateInput())
    until = forms.DateField(label=_("Till och med"), widget=DateInput())
    start_time = forms.TimeField(label=_("Klockan"), widget=TimeInput())
    length_minutes = forms.IntegerField(
        label=_("Längd (minuter)"), min_value=15, max_value=480, initial=60
    )
    interval_weeks = forms.TypedChoiceField(
        label=_("Hur ofta"),
        coerce=int,
        choices=[(2, _("Varannan vecka")), (1, _("Varje vecka"))],
        initial=2,
        widget=forms.RadioSelect,
        help_text=_("Rutinen säger minst varannan vecka."),
    )
    room = forms.CharField(label=_("Rum"), max_length=120, required=False)
    video_link = forms.URLField(label=_("Länk för digitalt deltagande"), required=False)

    def clean(self):
        data = super().clean()
        first, until = data.get("first_date"), data.get("until")
        if first and first < clock.today():
            self.add_error("first_date", _("Första mötet kan inte ligga bakåt i tiden."))
        elif first and first > clock.today() + datetime.timedelta(days=730):
            self.add_error("first_date", _("Planera möten högst två år framåt."))
        if first and until and until < first:
            self.add_error("until", _("Slutdatumet kan inte ligga före första mötet."))
        elif first and until and (until - first).days > 366:
            self.add_error("until", _("Planera högst ett år i taget."))
        return data


class MoveMeetingForm(forms.Form):
    prefix = "flytta"
    version = forms.IntegerField(widget=forms.HiddenInput)
    day = forms.DateField(label=_("Ny dag"), widget=DateInput())

    def clean_day(self):
        day = self.cleaned_data["day"]
        today = clock.today()
        if not today <= day <= today + datetime.timedelta(days=730):
            raise forms.ValidationError(_("Välj en dag från i dag och högst två år framåt."))
        return day

    time = forms.TimeField(label=_("Ny tid"), widget=TimeInput())
    reason = forms.CharField(
        label=_("Skäl"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class CancelMeetingForm(forms.Form):
    prefix = "installa"
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Skäl"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class ChairForm(forms.Form):
    prefix = "ordforande"
    version = forms.IntegerField(widget=forms.HiddenInput)
    chair = StaffChoiceField(label=_("Ordförande"), queryset=User.objects.none(), required=False)
    acting_chair = StaffChoiceField(
        label=_("T.f. ordförande (när ordföranden är borta)"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Ingen"),
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        members = User.objects.filter(
            pk__in=team.members.filter(ended_on__isnull=True, user__isnull=False).values("user")
        ).order_by("last_name", "first_name")
        self.fields["chair"].queryset = members
        self.fields["acting_chair"].queryset = members


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, meeting: Meeting) -> str:
        start = timezone.localtime(meeting.starts_at)
        deadline = timezone.localtime(deadline_of(meeting))
        if deadline <= clock.now():
            note = _("sista anmälningsdag har passerat")
        else:
            note = _("anmäl senast %(when)s") % {"when": deadline.strftime("%Y-%m-%d %H:%M")}
        return f"{start:%Y-%m-%d %H:%M} (v. {start.isocalendar().week}) – {note}"


class RegisterCaseForm(forms.Form):
    submission_key = SubmissionKeyField()
    identity = forms.CharField(
        label=_("Patientens personnummer"),
        max_length=20,
        required=False,
        help_text=_(
            "Eller samordnings- eller reservnummer. Patienten ska vara registrerad vid enheten; "
            "du ser vem numret gäller innan något sparas."
        ),
    )
    # The patient the page showed for the number (name and year of birth): saving needs it to
    # be the patient the number belongs to, so nothing is registered on a number unseen.
    confirmed = forms.IntegerField(required=False, widget=forms.HiddenInput)
    meeting = MeetingChoiceField(label=_("Möte"), queryset=Meeting.objects.none())
    question = forms.CharField(
        label=_("Frågeställning"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Vad ska teamet ta ställning till? Obligatorisk."),
        error_messages={"required": _("Skriv frågeställningen: vad ska teamet ta ställning till?")},
    )
    background = forms.CharField(
        label=_("Kort bakgrund"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )
    wanted_roles = forms.MultipleChoiceField(
        label=_("Önskade professioner"),
        choices=[(r.value, r.label) for r in MbtRole if r not in (MbtRole.CHEF, MbtRole.ANNAN)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    invited = forms.ModelMultipleChoiceField(
        label=_("Externa parter som bjuds in för ärendet"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Med externa parter krävs patientens samtycke innan ärendet tas upp."),
    )
    late_choice = forms.ChoiceField(
        label=_("Om sista anmälningsdag har passerat"),
        choices=[
            (LATE_NEXT, _("Anmäl till nästa möte")),
            (LATE_ASK_CHAIR, _("Sen anmälan till det valda mötet: ordföranden beslutar")),
        ],
        initial=LATE_NEXT,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, team, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        upcoming = Meeting.objects.filter(
            team=team, status=Meeting.Status.PLANNED, starts_at__gt=clock.now()
        ).order_by("starts_at")
        # The next twelve: a choice field needs a queryset it can filter, not a slice.
        self.fields["meeting"].queryset = (
            Meeting.objects.filter(pk__in=list(upcoming.values_list("pk", flat=True)[:12]))
            .select_related("team")
            .order_by("starts_at")
        )
        self.fields["meeting"].empty_label = _("Välj möte")
        self.fields["meeting"].initial = next_open_meeting(team)
        self.patient = patient
        if patient is not None:
            del self.fields["identity"]
        else:
            self.fields["identity"].required = True
            # The unit's patient with the number is shown as soon as it is typed (a POST: no
            # number in a URL); the answer says who it is, or why the number is not valid.
            self.fields["identity"].widget.attrs.update(
                {
                    "autocomplete": "off",
                    "hx-post": reverse("mbt:register_lookup"),
                    "hx-trigger": "input changed delay:500ms, change",
                    "hx-target": "#patient-lookup",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                    "aria-describedby": "id_identity_helptext patient-lookup",
                }
            )


class ParticipationForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Jag deltar"), choices=Participation.Mode.choices, widget=forms.RadioSelect
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Skäl"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


def meeting_start(day: datetime.date, time: datetime.time) -> datetime.datetime:
    from mbt.schedule import at_local

    return at_local(day, time)


class ActionItemForm(forms.Form):
    prefix = "atgard"
    submission_key = SubmissionKeyField()
    what = forms.CharField(label=_("Vad"), max_length=300)
    owner = StaffChoiceField(label=_("Ansvarig"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Klart senast"), widget=DateInput())

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_choices(unit)

    def clean_due_on(self):
        day = self.cleaned_data["due_on"]
        if day < clock.today():
            raise forms.ValidationError(_("Datumet har redan passerat."))
        return day


class PostponeForm(forms.Form):
    reason = forms.CharField(label=_("Skäl till bordläggning"), max_length=1000)


class AddendumForm(forms.Form):
    submission_key = SubmissionKeyField()
    text = forms.CharField(
        label=_("Tillägg till protokollet"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Protokollet ändras aldrig; tillägget visas i det med ditt namn och tid."),
    )


class FeedbackForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Hur fick patienten återkopplingen?"),
        choices=FeedbackTask.Method.choices,
        widget=forms.RadioSelect,
    )
    given_on = forms.DateField(label=_("När"), widget=DateInput(), initial=clock.today)
    said = forms.CharField(
        label=_("Vad patienten fick veta"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )


class ReassignForm(forms.Form):
    owner = StaffChoiceField(label=_("Flytta uppgiften till"), queryset=User.objects.none())

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_choices(unit)


class ReassignAllForm(forms.Form):
    from_user = StaffChoiceField(label=_("Från"), queryset=User.objects.none())
    to_user = StaffChoiceField(label=_("Till"), queryset=User.objects.none())

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        # Someone who has left still holds tasks: every one who has worked at the unit.
        self.fields["from_user"].queryset = User.objects.filter(
            pk__in=Assignment.objects.filter(unit=unit).values("user")
        ).order_by("last_name", "first_name")
        self.fields["to_user"].queryset = staff_choices(unit)


# The indicators' period: the same form as every report's.
IndicatorPeriodForm = PeriodForm
