from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    """Koordineringsinsatser (GC001) for sick-listed patients."""

    name = "coordination"
    verbose_name = _("Koordineringsinsatser")

    def ready(self):
        from coordination import sections  # noqa: F401 - registers the patient page section
