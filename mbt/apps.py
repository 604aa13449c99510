from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MbtConfig(AppConfig):
    """Medicinskt bedömningsteam: team, meetings, cases, conference, minutes and feedback."""

    name = "mbt"
    verbose_name = _("Medicinskt bedömningsteam")

    def ready(self):
        from mbt import sections  # noqa: F401 - registers the MBT section of the patient page
