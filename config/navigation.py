"""The main navigation. An area appears once its app serves its page, and only to those whose
role at the active unit lets them use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from coordination.views import may_use_coordination


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    allowed: Callable[[HttpRequest], bool]


def _with_unit(request: HttpRequest) -> bool:
    return request.active_unit is not None


def _manager(request: HttpRequest) -> bool:
    return Role.MANAGER in request.active_roles


def _staff(request: HttpRequest) -> bool:
    return request.user.is_staff


NAV_ITEMS = [
    NavItem(_("Start"), "start", _with_unit),
    NavItem(_("MBT"), "mbt:index", _with_unit),
    NavItem(_("Koordinering"), "coordination:index", may_use_coordination),
    NavItem(_("Patienter"), "journal:patient_search", _with_unit),
    NavItem(_("Logguppföljning"), "journal:log_review", _manager),
    NavItem(_("Administration"), "admin:index", _staff),
]


def nav_for(request: HttpRequest) -> list[dict]:
    items = []
    for item in NAV_ITEMS:
        if not item.allowed(request):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # the area's app does not serve it yet
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "current": current})
    return items
