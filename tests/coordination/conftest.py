from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import Organisation, Profession
from consent import services as consent_services
from coordination import services
from tests.factories import OrganisationFactory, actor_for, register_patient, staff_at

TODAY = datetime.date.today


@pytest.fixture
def coordinator(unit):
    return staff_at(
        unit, first_name="Kerstin", last_name="Koordinator", profession=Profession.REHABKOORDINATOR
    )


@pytest.fixture
def doctor(unit):
    return staff_at(unit, first_name="Erik", last_name="Läkare", profession=Profession.LAKARE)


@pytest.fixture
def actor(coordinator, unit):
    return actor_for(coordinator, unit)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def patient(unit, coordinator):
    return register_patient(unit, coordinator, first_name="Sofia", last_name="Sjöberg")


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def give_consent(actor, patient, scope="koordinering", *, given=30, party=None, **extra):
    return consent_services.consent_give(
        actor=actor,
        patient=patient,
        scope=scope,
        form="muntligt",
        given_on=days_ago(given),
        party=party,
        **extra,
    )


@pytest.fixture
def consented(actor, patient):
    return give_consent(actor, patient)


@pytest.fixture
def employer(db):
    return OrganisationFactory(name="Bygg & Anläggning AB", kind=Organisation.Kind.ARBETSGIVARE)


def start_episode(actor, patient, doctor, **overrides):
    values = {
        "responsible": actor.user,
        "started_on": days_ago(20),
        "need": "Stöd i kontakten med arbetsgivaren inför återgång.",
        "assessed_by": doctor,
        "assessed_on": days_ago(25),
        "employer": "Bygg & Anläggning AB",
    }
    values.update(overrides)
    return services.episode_start(actor=actor, patient=patient, **values)


@pytest.fixture
def episode(actor, patient, doctor, consented):
    return start_episode(actor, patient, doctor)


def record_activity(actor, episode, **overrides):
    values = {
        "kind": "personligt_stod",
        "performed_on": days_ago(10),
        "minutes": 30,
        "patient_contact": True,
        "mode": "telefon",
        "note": "Samtal om förväntningar inför återgången.",
    }
    values.update(overrides)
    return services.activity_record(actor=actor, episode=episode, **values)
