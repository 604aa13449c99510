from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from core import clock


class LoginForm(AuthenticationForm):
    """Django's login form with Swedish messages, refusing a user without a current
    medarbetaruppdrag (an ended assignment gives no access). Staff accounts without one may log
    in to the administration pages only."""

    error_messages = {
        "invalid_login": _(
            "Fel användarnamn eller lösenord. Tänk på att lösenordet skiljer på stora och små "
            "bokstäver."
        ),
        "inactive": _("Kontot är avstängt. Kontakta din verksamhetschef."),
        "no_assignment": _(
            "Du har inget giltigt medarbetaruppdrag på någon vårdenhet. Kontakta din "
            "verksamhetschef om du ska ha åtkomst."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Användarnamn")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].label = _("Lösenord")

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff and not selectors.has_current_assignment(user=user):
            raise forms.ValidationError(self.error_messages["no_assignment"], code="no_assignment")


class ChooseUnitForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Vårdenhet"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(unit.pk, unit.name) for unit in units]
        self.fields["unit"].error_messages["invalid_choice"] = _(
            "Du har inget giltigt medarbetaruppdrag på den enheten."
        )
        self.fields["unit"].error_messages["required"] = _("Välj en vårdenhet.")


class CodeForm(forms.Form):
    """A code from the authenticator app (six digits) or a recovery code (eight characters)."""

    code = forms.CharField(
        label=_("Kod"),
        max_length=32,
        error_messages={"required": _("Skriv koden från din autentiseringsapp.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
                "size": 12,
            }
        ),
    )


class AuthEventFilterForm(forms.Form):
    """Filters for the authentication event log. GET: it holds no patient data."""

    date_from = forms.DateField(
        label=_("Från"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("Till och med"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label=_("Händelse"), required=False)
    who = forms.CharField(
        label=_("Användare eller HSA-id"),
        required=False,
        max_length=150,
        help_text=_("Namn, användarnamn eller HSA-id, även sådant som inte hör till ett konto."),
    )
    problems = forms.BooleanField(
        label=_("Bara misslyckade och nekade inloggningar, fel koder och återställningar"),
        required=False,
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from accounts.models import AuthEvent

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Alla händelser")), *AuthEvent.Kind.choices]
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = _("Skriv datumet som 2026-11-24.")
            self.fields[name].error_messages["required"] = _("Ange ett datum.")

    def clean(self):
        import datetime

        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        earliest = datetime.date(2000, 1, 1)
        latest = clock.today().replace(month=12, day=31)
        for name, value in (("date_from", start), ("date_to", end)):
            if value and not earliest <= value <= latest:
                self.add_error(
                    name,
                    _("Välj ett datum mellan 2000-01-01 och %(latest)s.")
                    % {"latest": latest.isoformat()},
                )
        if start and end and end < start:
            self.add_error("date_to", _("Slutdatumet kan inte ligga före startdatumet."))
        return cleaned


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label=_("Aktiveringskod"),
        max_length=40,
        help_text=_("Tolv siffror, t.ex. 1234-5678-9012, från administratören."),
        error_messages={"required": _("Skriv aktiveringskoden du fått av administratören.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "autofocus": True}
        ),
    )
