from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    """Patients' consents and the rules that MBT and coordination ask."""

    name = "consent"
    verbose_name = _("Samtycken")

    def ready(self):
        from consent import sections  # noqa: F401 - registers the consents section of the patient page
