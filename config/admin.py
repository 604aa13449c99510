"""The administration site. Its own login form is not used: logging in goes through the app's
login (password and a second factor, or the identity provider), so the admin cannot become a way
round either. A login with too weak an assurance level does not reach it: the admin shows
clinical records read-only."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext_lazy as _


class AtergangAdminSite(admin.AdminSite):
    site_header = _("Återgång – administration")
    site_title = _("Återgång")
    index_title = _("Grunddata")

    def has_permission(self, request) -> bool:
        from accounts.assurance import sufficient_for_patient_data

        return super().has_permission(request) and sufficient_for_patient_data(request)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Logged in but not let in: say why rather than loop through the login page.
            from accounts.assurance import sufficient_for_patient_data

            if not sufficient_for_patient_data(request):
                return render(request, "accounts/weak_assurance.html", status=403)
            raise PermissionDenied
        next_url = request.GET.get("next") or resolve_url("admin:index")
        return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")

    def logout(self, request, extra_context=None):
        from accounts.views import logout_view

        return logout_view(request)
