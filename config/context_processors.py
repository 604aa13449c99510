from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from accounts import page_user
from config.navigation import nav_for
from core import screen_sharing


def layout(request: HttpRequest) -> dict:
    """What base.html needs on every page: navigation, the active unit, session timing."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": nav_for(request),
        "active_unit": getattr(request, "active_unit", None),
        "current_units": getattr(request, "current_units", []),
        "session_idle_seconds": int(settings.SESSION_IDLE_TIMEOUT.total_seconds()),
        "session_warning_seconds": int(settings.SESSION_IDLE_WARNING.total_seconds()),
        # Whose page this is: sent back with every POST (accounts.page_user).
        "page_user": page_user.token_for(request.user),
        "screen_sharing": screen_sharing.is_on(request),
    }
