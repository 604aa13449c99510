from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class AtergangAdminConfig(AdminConfig):
    """Django's admin with our site: it is reached through the app's own login."""

    default_site = "config.admin.AtergangAdminSite"


class ProjectConfig(AppConfig):
    """The project itself: the schedule of periodic jobs (config/jobs.py) and its command."""

    name = "config"
    verbose_name = "Återgång"

    def ready(self) -> None:
        from django.db.models import fields
        from django.utils.translation import gettext_lazy as _

        # Django 6.1's empty choice of a select ("- Select an option -") has no Swedish
        # translation; Django reads this name when it builds a select, and asks apps to set it
        # here.
        fields.BLANK_CHOICE_LABEL = _("Välj …")
