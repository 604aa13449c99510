"""How a patient's identity is shown on a page: the personnummer (or samordnings- or
reservnummer), or in screen-sharing mode (core/screen_sharing.py) the year of birth only."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from core import screen_sharing

register = template.Library()


@register.simple_tag(takes_context=True)
def patient_identity(context, patient) -> str:
    """The number, or "född 1985" while the screen is shared. A document rendered without a
    request (a PDF) is not a shared screen: it shows what its own template decides."""
    if screen_sharing.is_on(context.get("request")):
        born = patient.birth_date
        return _("född %(year)s") % {"year": born.year} if born else _("reservnummer dolt")
    return patient.formatted_identity
