"""The active unit: picked among current assignments, and it scopes what the user sees."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SESSION_ACTIVE_UNIT
from accounts.models import Assignment, Role
from accounts.services import assignment_end
from tests.factories import AssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_unit_user(unit, other_unit):
    user = UserFactory(first_name="Ali")
    AssignmentFactory(user=user, unit=unit)
    AssignmentFactory(user=user, unit=other_unit)
    return user


def test_single_assignment_makes_the_unit_active(clinician_client, unit):
    response = clinician_client.get(reverse("start"))
    assert response.status_code == 200
    assert response.wsgi_request.active_unit == unit
    assert clinician_client.session[SESSION_ACTIVE_UNIT] == unit.pk


def test_user_with_two_units_must_pick_one(client, two_unit_user, unit, other_unit):
    client.force_login(two_unit_user)
    response = client.get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('choose_unit')}?next=%2F"
    chooser = client.get(response["Location"])
    content = chooser.content.decode()
    assert unit.name in content and other_unit.name in content

    response = client.post(reverse("choose_unit"), {"unit": other_unit.pk, "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    start = client.get("/")
    assert start.wsgi_request.active_unit == other_unit
    assert f"Du arbetar på {other_unit.name}" in start.content.decode()


def test_switching_unit(client, two_unit_user, unit, other_unit):
    client.force_login(two_unit_user)
    client.post(reverse("choose_unit"), {"unit": unit.pk})
    assert client.get("/").wsgi_request.active_unit == unit
    client.post(reverse("choose_unit"), {"unit": other_unit.pk})
    assert client.get("/").wsgi_request.active_unit == other_unit


def test_cannot_choose_a_unit_without_assignment(client, clinician, other_unit):
    client.force_login(clinician)
    response = client.post(reverse("choose_unit"), {"unit": other_unit.pk})
    assert response.status_code == 400
    assert "inget giltigt medarbetaruppdrag på den enheten" in response.content.decode()
    assert client.session.get(SESSION_ACTIVE_UNIT) != other_unit.pk


def test_choose_unit_garbage_gives_message(client, two_unit_user):
    client.force_login(two_unit_user)
    response = client.post(reverse("choose_unit"), {"unit": "abc"})
    assert response.status_code == 400
    assert "inget giltigt medarbetaruppdrag" in response.content.decode()


def test_choose_unit_ignores_foreign_next(client, two_unit_user, unit):
    client.force_login(two_unit_user)
    response = client.post(
        reverse("choose_unit"), {"unit": unit.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("start")


def test_assignment_ended_during_session_removes_the_unit(client, two_unit_user, unit, other_unit):
    client.force_login(two_unit_user)
    client.post(reverse("choose_unit"), {"unit": unit.pk})
    assignment = Assignment.objects.get(user=two_unit_user, unit=unit)
    assignment_end(
        assignment=assignment, last_day=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = client.get("/")
    # Only the other unit is left, so it becomes the active one.
    assert response.status_code == 200
    assert response.wsgi_request.active_unit == other_unit


def test_all_assignments_ended_during_session_means_no_access(clinician_client, clinician):
    clinician_client.get("/")
    for assignment in clinician.assignments.all():
        assignment_end(
            assignment=assignment, last_day=timezone.localdate() - datetime.timedelta(days=1)
        )
    response = clinician_client.get("/")
    assert response.status_code == 403
    assert "inget giltigt medarbetaruppdrag" in response.content.decode()


def test_roles_are_those_held_at_the_active_unit(client, unit, other_unit):
    user = UserFactory()
    AssignmentFactory(user=user, unit=unit, role=Role.MANAGER)
    AssignmentFactory(user=user, unit=other_unit, role=Role.CARE)
    client.force_login(user)
    client.post(reverse("choose_unit"), {"unit": other_unit.pk})
    assert client.get("/").wsgi_request.active_roles == {Role.CARE}
    client.post(reverse("choose_unit"), {"unit": unit.pk})
    assert client.get("/").wsgi_request.active_roles == {Role.MANAGER}


def test_header_offers_unit_switch_only_with_several_units(client, two_unit_user, clinician):
    client.force_login(two_unit_user)
    client.post(reverse("choose_unit"), {"unit": two_unit_user.assignments.first().unit.pk})
    assert "Byt enhet" in client.get("/").content.decode()
    client.force_login(clinician)
    assert "Byt enhet" not in client.get("/").content.decode()


def test_a_form_from_another_units_page_is_refused_after_switching(
    client, two_unit_user, unit, other_unit
):
    from journal.models import JournalEntry
    from tests.factories import register_patient

    patient = register_patient(unit, two_unit_user)
    register_patient(other_unit, two_unit_user, identity=patient.identity_number)
    client.force_login(two_unit_user)
    client.post(reverse("choose_unit"), {"unit": unit.pk})
    page = client.get(f"/patienter/{patient.pk}/").content.decode()
    assert f'name="_active_unit" value="{unit.pk}"' in page
    # Another tab switches to the other unit; the first tab's form is then sent.
    client.post(reverse("choose_unit"), {"unit": other_unit.pk})
    response = client.post(
        f"/patienter/{patient.pk}/journal/ny/", {"text": "Fel enhet", "_active_unit": unit.pk}
    )
    assert response.status_code == 409
    assert "Du har bytt vårdenhet i en annan flik" in response.content.decode()
    htmx = client.post(
        f"/patienter/{patient.pk}/journal/ny/",
        {"text": "Fel enhet"},
        headers={"HX-Request": "true", "X-Active-Unit": str(unit.pk)},
    )
    assert htmx.status_code == 409 and "<html" not in htmx.content.decode()
    assert not JournalEntry.objects.exists()
