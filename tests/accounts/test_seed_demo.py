"""manage.py seed_demo: refuses production, loads every app's demo data once, and a second run
changes nothing. (One seeded test on purpose: seeding renders PDFs and takes seconds.)"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, demo_code
from accounts.models import (
    Assignment,
    AuthEvent,
    CareUnit,
    Organisation,
    Profession,
    Role,
    User,
    Vardgivare,
)
from consent.models import Consent
from journal.models import AccessLog, CareRelation, JournalEntry, Patient
from tests.demo_states import assert_every_state

pytestmark = pytest.mark.django_db

REQUIRED_MBT = {
    Profession.REHABKOORDINATOR,
    Profession.LAKARE,
    Profession.FYSIOTERAPEUT,
    Profession.VARDADMINISTRATOR,
}
SAMTALSMOTTAGNINGEN = {Profession.KURATOR, Profession.PSYKOLOG}
MODELS = (
    User,
    Vardgivare,
    CareUnit,
    Assignment,
    Organisation,
    Patient,
    JournalEntry,
    Consent,
    AccessLog,
    AuthEvent,
)


def test_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo(settings, client):
    """At the suite's instant (tests/conftest.py); the calendar sweep builds it on other days."""
    settings.DEBUG = False
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert_every_state(timezone.localdate())
    printed = out.getvalue()
    assert DEMO_PASSWORD in printed
    assert "kerstin" in printed and "Rehabiliteringskoordinator" in printed

    # Staff: every required MBT role, a manager and an administrator at each unit.
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
    assert Assignment.objects.current().filter(user__username="ali").count() == 2
    assert not Assignment.objects.current().filter(user__username="gunnar").exists()
    assert Organisation.objects.filter(kind="vardgivare", vardgivare__isnull=False).exists()

    # Patients, journal and access history.
    assert Patient.objects.count() >= 60
    assert Patient.objects.filter(protected_identity=True).exists()
    assert Patient.objects.filter(identity_kind="reservnummer").count() == 1
    both = CareRelation.objects.values("patient").annotate(n=Count("unit")).filter(n=2)
    assert both.count() >= 3
    numbers = set((Path(settings.BASE_DIR) / "data/testpersonnummer.txt").read_text().split())
    assert all(
        p.identity_number in numbers for p in Patient.objects.exclude(identity_kind="reservnummer")
    )
    assert JournalEntry.objects.filter(signed_at__isnull=True).exists()
    assert JournalEntry.objects.filter(corrects__isnull=False).exists()
    assert AccessLog.objects.filter(outside_office_hours=True).exists()
    assert AccessLog.objects.filter(has_care_relation=False).exists()
    assert AccessLog.objects.filter(protected_identity=True).exists()

    # Consents, MBT and koordinering in every state, as on any other day (tests/demo_states.py).
    consents = list(Consent.objects.all())
    assert {c.scope for c in consents} == {"mbt", "koordinering", "fk_information", "samverkan"}
    assert {c.form for c in consents} == {"muntligt", "skriftligt"}
    from journal.accesslog import Actor
    from mbt import selectors as mbt_selectors
    from mbt.models import TeamMember

    missing = {}
    for unit in units:
        actor = Actor(user=User.objects.get(username="anders"), unit=unit)
        missing[unit.name] = mbt_selectors.team_overview(actor=actor)["missing"]
    assert missing["Vårdcentralen Åsen"] == []
    assert missing["Citykliniken Hälsan"] == ["Samtalsmottagningen (kurator/psykolog)"]
    externals = TeamMember.objects.filter(organisation__isnull=False)
    assert externals.values("organisation").distinct().count() == 2

    # A month of authentication events with something of every kind for the managers' log.
    assert {e.kind for e in AuthEvent.objects.all()} == set(AuthEvent.Kind.values) - {
        "recovery_created"
    }
    assert AuthEvent.objects.filter(user__isnull=True, kind="refused", hsa_id__gt="").exists()
    printed_key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert printed_key in printed

    # Every demo user with a current assignment can log in with the password and the demo app's
    # code; lena sets up her app first; the one whose assignment ended cannot log in.
    for user in User.objects.all():
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD}
        )
        if user.username == "gunnar":
            assert response.status_code == 200
            continue
        if user.username == "lena":
            assert response["Location"] == "/accounts/tvafaktor/aktivera/"
            continue
        assert response["Location"] == "/accounts/tvafaktor/", user.username
        done = client.post("/accounts/tvafaktor/", {"code": demo_code()})
        assert done.status_code == 302 and "tvafaktor" not in done["Location"], user.username
        assert client.session["_auth_user_id"] == str(user.pk)
        client.post("/accounts/logout/")

    # A second run changes nothing.
    counts = [model.objects.count() for model in MODELS]
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert counts == [model.objects.count() for model in MODELS]
