from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts import selectors


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
