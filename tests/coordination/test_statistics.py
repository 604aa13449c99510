"""Statistics of koordineringsinsatser, checked against a hand-computed example."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Profession
from coordination import services, statistics
from tests.coordination.conftest import days_ago, give_consent, record_activity, start_episode
from tests.factories import actor_for, register_patient, staff_at

pytestmark = pytest.mark.django_db


def sick(actor, patient, start, end):
    services.sick_leave_add(
        actor=actor,
        patient=patient,
        start_date=days_ago(start),
        end_date=days_ago(end),
        extent=100,
        occupation="anstalld",
    )


@pytest.fixture
def example(actor, unit, doctor, other_unit):
    """Three patients. Anna: sjukfall from day 100 ago (two periods, 3 days apart), episode
    from 60 days ago, first contact 45 days ago (55 days into the sjukfall), then two more
    activities, a plan and its follow-up, FK informed. Bo: sjukfall from 30 days ago, first
    contact 10 days ago (20 days), by a nurse. Cilla: an episode without sick leave, one
    activity without patient contact (no first contact). One activity outside the period,
    and another unit's activity, are not counted."""
    nurse = staff_at(
        unit, first_name="Nina", last_name="Sköterska", profession=Profession.SJUKSKOTERSKA
    )
    anna = register_patient(unit, actor.user, first_name="Anna")
    bo = register_patient(unit, actor.user, first_name="Bo")
    cilla = register_patient(unit, actor.user, first_name="Cilla")
    sick(actor, anna, 100, 51)
    sick(actor, anna, 47, -30)
    sick(actor, bo, 30, -10)
    for patient in (anna, bo, cilla):
        give_consent(actor, patient, given=300)
    give_consent(actor, anna, "fk_information", given=300)
    first = start_episode(actor, anna, doctor, started_on=days_ago(200), assessed_on=days_ago(205))
    record_activity(actor, first, performed_on=days_ago(190), patient_contact=False)  # outside
    record_activity(actor, first, performed_on=days_ago(45), minutes=60)
    record_activity(
        actor,
        first,
        performed_on=days_ago(20),
        kind="intern_samordning",
        patient_contact=False,
        minutes=15,
    )
    services.plan_save(
        actor=actor,
        episode=first,
        based_on=0,
        goals="Mål",
        steps=[],
        planned_sick_leave="100 %",
        collaboration=[],
    )
    services.plan_save(
        actor=actor,
        episode=first,
        based_on=1,
        goals="Mål",
        steps=[],
        planned_sick_leave="50 %",
        collaboration=[],
        follow_up_note="Bra",
    )
    services.fk_inform(
        actor=actor,
        episode=first,
        informed_on=days_ago(5),
        channel="telefon",
        content="Behov av arbetsträning.",
    )
    nurse_actor = actor_for(nurse, unit)
    second = start_episode(
        nurse_actor, bo, doctor, started_on=days_ago(15), assessed_on=days_ago(16)
    )
    record_activity(nurse_actor, second, performed_on=days_ago(10), mode="besok", minutes=45)
    third = start_episode(actor, cilla, doctor, started_on=days_ago(8), assessed_on=days_ago(9))
    record_activity(actor, third, performed_on=days_ago(3), patient_contact=False, minutes=10)
    services.episode_end(
        actor=actor, episode=third, version=third.version, ended_on=days_ago(1), reason="annat"
    )
    # Another unit.
    elsewhere = staff_at(other_unit, profession=Profession.REHABKOORDINATOR)
    other_actor = actor_for(elsewhere, other_unit)
    dan = register_patient(other_unit, elsewhere, first_name="Dan")
    give_consent(other_actor, dan, given=100)
    other = start_episode(other_actor, dan, staff_at(other_unit, profession=Profession.LAKARE))
    record_activity(other_actor, other)
    return nurse


def test_hand_computed_example(example, unit):
    figures = statistics.compute(unit, days_ago(120), days_ago(0))
    assert figures.activities == 4 and figures.with_contact == 2
    assert figures.minutes == 60 + 15 + 45 + 10
    assert figures.patients == 3
    assert dict(figures.by_kind) == {
        "Personligt stöd": 3,
        "Intern samordning": 1,
        "Samverkan med andra aktörer": 0,
    }
    people = {p.name: (p.activities, p.with_contact, p.minutes) for p in figures.people}
    assert people == {"Kerstin Koordinator": (3, 1, 85), "Nina Sköterska": (1, 1, 45)}
    assert (figures.episodes_started, figures.episodes_ended) == (2, 1)
    assert figures.episodes_open_at_end == 2
    assert (figures.fk_informations, figures.dv077, figures.aw026) == (1, 1, 1)
    assert sorted(figures.first_contact_days) == [20, 55]
    assert figures.first_contact_median == 37.5 and figures.first_contact_p90 == 55
    assert sum(m.total for m in figures.months) == 4
    assert figures.months[-1].key == days_ago(0).strftime("%Y-%m")


def test_page_csv_and_query_count(coordinator_client, example, unit, actor, doctor):
    page = coordinator_client.get("/koordinering/statistik/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Median 38 dagar, 90:e percentilen 55 dagar" in body
    assert 'role="img"' in body and "Nina Sköterska" in body
    start, end = days_ago(120).isoformat(), days_ago(0).isoformat()
    response = coordinator_client.get(
        f"/koordinering/statistik/?start={start}&end={end}&format=csv"
    )
    text = response.content.decode("utf-8-sig")
    assert text.startswith("Månad;Insatser GC001;Personligt stöd;Intern samordning;Samverkan")
    assert "Planer upprättade (DV077);1" in text and "Planer uppföljda (AW026);1" in text
    assert "Dagar från sjukfallets start till första kontakt, median;37,5" in text
    bad = coordinator_client.get("/koordinering/statistik/?start=2026-13-01&end=x")
    assert bad.status_code == 400

    def count():
        with CaptureQueriesContext(connection) as queries:
            coordinator_client.get(f"/koordinering/statistik/?start={start}&end={end}")
        return len(queries)

    before = count()
    for index in range(5):
        patient = register_patient(unit, actor.user, first_name=f"Extra{index}")
        sick(actor, patient, 40, -5)
        give_consent(actor, patient, given=100)
        episode = start_episode(
            actor, patient, doctor, started_on=days_ago(30), assessed_on=days_ago(31)
        )
        record_activity(actor, episode, performed_on=days_ago(20))
    assert count() == before
