from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import Assignment, CareUnit, Organisation, Profession, Role, User, Vardgivare

pytestmark = pytest.mark.django_db

REQUIRED_MBT = {
    Profession.REHABKOORDINATOR,
    Profession.LAKARE,
    Profession.FYSIOTERAPEUT,
    Profession.VARDADMINISTRATOR,
}
SAMTALSMOTTAGNINGEN = {Profession.KURATOR, Profession.PSYKOLOG}


def test_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo")


def test_is_idempotent_and_prints_the_logins(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = [m.objects.count() for m in (User, Vardgivare, CareUnit, Assignment, Organisation)]
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == [
        m.objects.count() for m in (User, Vardgivare, CareUnit, Assignment, Organisation)
    ]
    printed = out.getvalue()
    assert DEMO_PASSWORD in printed
    assert "kerstin" in printed and "Rehabiliteringskoordinator" in printed


def test_force_runs_with_debug_off(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert User.objects.filter(username="kerstin").exists()


def test_covers_every_mbt_role_a_manager_and_an_administrator_at_each_unit(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert Vardgivare.objects.filter(kind=Vardgivare.Kind.REGION).exists()
    assert Vardgivare.objects.filter(kind=Vardgivare.Kind.PRIVAT).exists()
    units = list(CareUnit.objects.all())
    assert len(units) == 2
    for unit in units:
        current = Assignment.objects.current().filter(unit=unit)
        professions = set(current.values_list("user__profession", flat=True))
        assert professions >= REQUIRED_MBT, unit
        assert professions & SAMTALSMOTTAGNINGEN, unit
        assert current.filter(role=Role.MANAGER).exists()
        assert current.filter(role=Role.ADMINISTRATION).exists()
    both = User.objects.get(username="ali")
    assert Assignment.objects.current().filter(user=both).count() == 2
    ended = User.objects.get(username="gunnar")
    assert not Assignment.objects.current().filter(user=ended).exists()
    assert Organisation.objects.filter(
        kind=Organisation.Kind.VARDGIVARE, vardgivare__isnull=False
    ).exists()


def test_every_demo_user_with_an_assignment_can_log_in(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    for user in User.objects.all():
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD}
        )
        expected = 200 if user.username == "gunnar" else 302
        assert response.status_code == expected, user.username
        client.post("/accounts/logout/")
