from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    """Patients, care relations, journal entries and the PDL access log."""

    name = "journal"
    verbose_name = _("Patienter och journal")

    def ready(self):
        from journal import sections  # noqa: F401 - registers the journal's patient-page section
