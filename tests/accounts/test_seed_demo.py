"""manage.py seed_demo: refuses production, loads every app's demo data once, and a second run
changes nothing. (One seeded test on purpose: seeding renders PDFs and takes seconds.)"""

from __future__ import annotations

import datetime
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
    settings.DEBUG = False
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)
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

    # Consents of every scope and form; revoked, expired and ending soon.
    consents = list(Consent.objects.all())
    assert {c.scope for c in consents} == {"mbt", "koordinering", "fk_information", "samverkan"}
    assert {c.form for c in consents} == {"muntligt", "skriftligt"}
    statuses = [c.status() for c in consents]
    assert "återkallat" in statuses and "utgånget" in statuses
    today = timezone.localdate()
    assert any(
        c.status() == "giltigt" and c.valid_until and (c.valid_until - today).days <= 30
        for c in consents
    )

    # MBT: both teams, one lacking a required role; external members from two organisations;
    # past and coming meetings; cases in every state.
    from journal.accesslog import Actor
    from mbt import selectors as mbt_selectors
    from mbt.models import CaseReferral, Meeting, TeamMember

    missing = {}
    for unit in units:
        actor = Actor(user=User.objects.get(username="anders"), unit=unit)
        missing[unit.name] = mbt_selectors.team_overview(actor=actor)["missing"]
    assert missing["Vårdcentralen Åsen"] == []
    assert missing["Citykliniken Hälsan"] == ["Samtalsmottagningen (kurator/psykolog)"]
    externals = TeamMember.objects.filter(organisation__isnull=False)
    assert externals.values("organisation").distinct().count() == 2
    assert Meeting.objects.filter(starts_at__lt=timezone.now()).exists()
    asen = CareUnit.objects.get(name="Vårdcentralen Åsen")
    nearest = Meeting.objects.filter(team__unit=asen, starts_at__gt=timezone.now()).first()
    agenda = mbt_selectors.agenda(
        actor=Actor(user=User.objects.get(username="kerstin"), unit=asen),
        meeting=nearest,
        log=False,
    )
    assert agenda.on_agenda and agenda.waiting and agenda.left and agenda.late
    assert CaseReferral.objects.filter(preparations__isnull=False).exists()

    # Held meetings with minutes: feedback on time, late and open; an addendum; a postponement.
    from mbt.models import Addendum, FeedbackTask, Postponement

    assert Meeting.objects.filter(status="avslutat").count() >= 2
    tasks = list(FeedbackTask.objects.select_related("case__meeting"))
    assert any(t.done_at and t.given_on <= t.due_on for t in tasks)
    assert any(t.done_at and t.given_on > t.due_on for t in tasks)
    assert any(t.done_at is None and t.is_overdue for t in tasks)
    assert Addendum.objects.exists() and Postponement.objects.exists()

    # Every quality indicator shows something for Åsen's team over the last year.
    from mbt import indicators
    from mbt.models import Team

    figures = indicators.compute(
        Team.objects.get(unit=asen), today - datetime.timedelta(days=364), today
    )
    assert figures.held >= 2 and figures.cancelled >= 1 and figures.planned > figures.held
    assert figures.registered_to_discussed.count and figures.discussed_to_feedback.count
    assert 0 < figures.feedback_on_time < figures.feedback_due
    assert 0 < figures.referred < figures.cases
    assert sum(1 for _, count in figures.outcomes if count) >= 3
    attended = [present for _, present, _ in figures.attendance]
    assert min(attended) < figures.held and max(attended) == figures.held

    # Koordineringsinsatser: every status, each milestone near, every activity type, plans with
    # versions, information to FK, an episode whose consent was revoked, and the ended one.
    from coordination import selectors as coordination_selectors
    from coordination.models import Activity, Episode, FkInformation, PlanVersion

    kerstin = Actor(user=User.objects.get(username="kerstin"), unit=asen)
    listing = coordination_selectors.follow_up_list(
        actor=kerstin, follow_filter=coordination_selectors.FollowUpFilter(), page_size=None
    )
    assert {row.status for row in listing.rows} >= {
        "ej_kontaktad",
        "kontaktad",
        "aktiv",
        "uppfoljning",
    }
    assert Episode.objects.filter(ended_on__isnull=False).exists()  # avslutad
    upcoming = {row.next_milestone[0] for row in listing.rows if row.next_milestone}
    assert upcoming == {90, 180, 365}
    assert 0 < listing.new_count < listing.total
    assert any(row.consent_missing for row in listing.rows)
    assert {a.kind for a in Activity.objects.all()} == {
        "personligt_stod",
        "intern_samordning",
        "samverkan",
    }
    assert PlanVersion.objects.filter(number=2).exists() and FkInformation.objects.exists()

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
