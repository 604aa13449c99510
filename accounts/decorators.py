"""Access helpers for views: every page with unit data starts with @unit_required, which also
turns away a login whose assurance level is too weak for patient data."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.assurance import sufficient_for_patient_data


def unit_required(view):
    """Logged in, with an active unit. A user with several current assignments who has not
    picked one is sent to pick; a user with none is told so (403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sufficient_for_patient_data(request):
            return render(request, "accounts/weak_assurance.html", status=403)
        if request.active_unit is None:
            if request.current_units:
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('choose_unit')}?{query}")
            return render(request, "accounts/no_assignment.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles: str):
    """Like unit_required, and the user holds one of the roles at the active unit."""

    def decorator(view):
        @unit_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.active_roles.intersection(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
