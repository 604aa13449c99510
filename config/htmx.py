"""One view, one template: the full page for a normal request, the named partial of the same
template for an htmx request (but not for htmx's history restore, which needs the whole page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template_name: str,
    context: dict,
    *,
    partial: str,
    status: int = 200,
) -> HttpResponse:
    name = f"{template_name}#{partial}" if wants_partial(request) else template_name
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
