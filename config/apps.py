from django.contrib.admin.apps import AdminConfig


class AtergangAdminConfig(AdminConfig):
    """Django's admin with our site: it is reached through the app's own login."""

    default_site = "config.admin.AtergangAdminSite"
