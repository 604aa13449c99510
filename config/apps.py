from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class AtergangAdminConfig(AdminConfig):
    """Django's admin with our site: it is reached through the app's own login."""

    default_site = "config.admin.AtergangAdminSite"


class ProjectConfig(AppConfig):
    """The project itself: the schedule of periodic jobs (config/jobs.py) and its command."""

    name = "config"
    verbose_name = "Återgång"
