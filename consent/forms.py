from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from consent.models import ConsentForm, RevocationMethod, Scope
from consent.uploads import check_upload
from core import clock
from journal.forms import DateInput, SubmissionKeyField


def active_organisations():
    return Organisation.objects.filter(is_active=True).order_by("name")


class ConsentGiveForm(forms.Form):
    # Shares the patient page with other sections' forms: the prefix keeps ids and names apart.
    prefix = "samtycke"
    submission_key = SubmissionKeyField()
    scope = forms.ChoiceField(label=_("Samtycket gäller"), choices=Scope.choices)
    party = forms.ModelChoiceField(
        label=_("Extern part"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Välj part (för samverkan)"),
        help_text=_("Bara för samverkan: arbetsgivare, Försäkringskassan, Arbetsförmedlingen …"),
    )
    form = forms.ChoiceField(
        label=_("Form"),
        choices=ConsentForm.choices,
        initial=ConsentForm.MUNTLIGT,
        widget=forms.RadioSelect,
    )
    given_on = forms.DateField(label=_("Samtycket gavs"), widget=DateInput())
    valid_until = forms.DateField(
        label=_("Gäller till och med"),
        required=False,
        widget=DateInput(),
        help_text=_("Lämna tomt om samtycket gäller tills vidare."),
    )
    note = forms.CharField(
        label=_("Anteckning om samtycket"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    document = forms.FileField(
        label=_("Underskriven blankett (skriftligt samtycke)"),
        required=False,
        help_text=_("PDF, JPEG eller PNG."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = active_organisations()
        self.fields["given_on"].initial = clock.today
        self.checked_document = None

    def clean_document(self):
        uploaded = self.cleaned_data.get("document")
        if uploaded:
            self.checked_document = check_upload(uploaded)
        return uploaded

    def clean(self):
        data = super().clean()
        today = clock.today()
        given_on, valid_until = data.get("given_on"), data.get("valid_until")
        if given_on and given_on > today:
            self.add_error("given_on", _("Datumet då samtycket gavs kan inte ligga i framtiden."))
        elif given_on and given_on < today - datetime.timedelta(days=5 * 366):
            self.add_error(
                "given_on",
                _(
                    "Datumet ligger orimligt långt bakåt. Kontrollera årtalet; ett samtycke äldre "
                    "än fem år bör förnyas."
                ),
            )
        if given_on and valid_until and valid_until < given_on:
            self.add_error(
                "valid_until", _("Slutdatumet kan inte ligga före datumet då samtycket gavs.")
            )
        if data.get("scope") == Scope.SAMVERKAN and not data.get("party"):
            self.add_error("party", _("Välj vilken part samverkan gäller."))
        if (
            data.get("form") == ConsentForm.SKRIFTLIGT
            and not data.get("document")
            and "document" not in self.errors
        ):
            self.add_error(
                "document", _("Ladda upp den underskrivna blanketten för ett skriftligt samtycke.")
            )
        if self.errors and self.checked_document is not None:
            # A browser cannot refill a file field: say so rather than lose it silently.
            self.add_error(
                "document", _("Filen var godkänd, men välj den igen när du rättat felen ovan.")
            )
        return data


class ConsentRevokeForm(forms.Form):
    revoked_on = forms.DateField(label=_("Återkallat datum"), widget=DateInput())
    method = forms.ChoiceField(
        label=_("Hur återkallade patienten samtycket?"),
        choices=RevocationMethod.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Skäl eller kommentar"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revoked_on"].initial = clock.today

    def clean_revoked_on(self):
        day = self.cleaned_data["revoked_on"]
        if day > clock.today():
            raise forms.ValidationError(_("Datumet kan inte ligga i framtiden."))
        return day


class BlankettForm(forms.Form):
    """Which consent form to print: scope and, for samverkan, the party."""

    prefix = "blankett"

    scope = forms.ChoiceField(label=_("Blankett för"), choices=Scope.choices)
    party = forms.ModelChoiceField(
        label=_("Extern part"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("(bara för samverkan)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = active_organisations()

    def clean(self):
        data = super().clean()
        if data.get("scope") == Scope.SAMVERKAN and not data.get("party"):
            self.add_error("party", _("Välj vilken part samverkan gäller."))
        return data
