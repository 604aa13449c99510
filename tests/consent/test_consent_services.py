from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Organisation
from consent import services
from consent.models import Consent
from consent.uploads import check_upload
from journal.models import EntryType, JournalEntry
from tests.consent.helpers import pdf_bytes, upload
from tests.factories import OrganisationFactory, actor_for, register_patient, staff_at

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def actor(unit):
    return actor_for(staff_at(unit, first_name="Kerstin", last_name="Lindqvist"), unit)


@pytest.fixture
def patient(unit, actor):
    return register_patient(unit, actor.user)


def test_oral_consent_is_journalled_and_signed(actor, patient):
    consent = services.consent_give(
        actor=actor,
        patient=patient,
        scope="mbt",
        form="muntligt",
        given_on=TODAY(),
        valid_until=TODAY() + datetime.timedelta(days=180),
        note="Vid besök.",
    )
    entry = consent.journal_entry
    assert entry.entry_type == EntryType.SAMTYCKE and entry.is_signed
    assert entry.author == actor.user
    assert "Samtycke till diskussion i medicinskt bedömningsteam (MBT) gavs muntligt" in entry.text
    assert "teamets medlemmar tar del av journalen" in entry.text
    assert "Vid besök." in entry.text
    assert consent.history.first().history_user == actor.user


def test_written_consent_needs_and_stores_its_form_privately(actor, patient, private_media):
    with pytest.raises(ValidationError) as error:
        services.consent_give(
            actor=actor, patient=patient, scope="koordinering", form="skriftligt", given_on=TODAY()
        )
    assert "underskrivna blanketten" in str(error.value)
    checked = check_upload(upload(pdf_bytes()))
    consent = services.consent_give(
        actor=actor,
        patient=patient,
        scope="koordinering",
        form="skriftligt",
        given_on=TODAY(),
        document=checked,
    )
    path = consent.document.path
    assert path.startswith(str(private_media))
    assert patient.identity_number not in path and patient.last_name not in path
    assert path.endswith(".pdf")
    with open(path, "rb") as handle:
        assert handle.read() == checked.content
    assert consent.document_sha256 == checked.sha256


def test_bad_dates_and_missing_party(actor, patient):
    with pytest.raises(ValidationError) as error:
        services.consent_give(
            actor=actor,
            patient=patient,
            scope="samverkan",
            form="muntligt",
            given_on=TODAY() + datetime.timedelta(days=1),
            valid_until=TODAY() - datetime.timedelta(days=1),
        )
    messages = error.value.message_dict
    assert "framtiden" in messages["given_on"][0]
    assert "före datumet" in messages["valid_until"][0]
    assert "Välj vilken part" in messages["party"][0]
    assert (
        not Consent.objects.exists()
        and not JournalEntry.objects.filter(entry_type="samtycke").exists()
    )


def test_party_only_for_samverkan(actor, patient):
    employer = OrganisationFactory(name="Åsens Bygg AB", kind=Organisation.Kind.ARBETSGIVARE)
    consent = services.consent_give(
        actor=actor,
        patient=patient,
        scope="samverkan",
        party=employer,
        form="muntligt",
        given_on=TODAY(),
    )
    assert consent.scope_label == "Samverkan med Åsens Bygg AB"
    assert "samverkan med Åsens Bygg AB" in consent.journal_entry.text
    other = services.consent_give(
        actor=actor, patient=patient, scope="mbt", party=employer, form="muntligt", given_on=TODAY()
    )
    assert other.party is None


def test_revoke_is_journalled_and_revoking_twice_changes_nothing(actor, patient):
    consent = services.consent_give(
        actor=actor,
        patient=patient,
        scope="mbt",
        form="muntligt",
        given_on=TODAY() - datetime.timedelta(days=5),
    )
    revoked, changed = services.consent_revoke(
        actor=actor,
        consent=consent,
        revoked_on=TODAY(),
        method="telefon",
        reason="Vill inte längre.",
    )
    assert changed and revoked.revoked_by == actor.user
    entry = revoked.revocation_entry
    assert entry.is_signed and "återkallades" in entry.text and "per telefon" in entry.text
    assert "Vill inte längre." in entry.text
    entries = JournalEntry.objects.count()
    again, changed = services.consent_revoke(
        actor=actor, consent=consent, revoked_on=TODAY(), method="besok", reason="Igen"
    )
    assert not changed and again.revocation_method == "telefon"
    assert JournalEntry.objects.count() == entries


def test_revoke_dates(actor, patient):
    consent = services.consent_give(
        actor=actor,
        patient=patient,
        scope="mbt",
        form="muntligt",
        given_on=TODAY() - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="före datumet då det gavs"):
        services.consent_revoke(
            actor=actor,
            consent=consent,
            revoked_on=TODAY() - datetime.timedelta(days=3),
            method="telefon",
        )
    with pytest.raises(ValidationError, match="framtiden"):
        services.consent_revoke(
            actor=actor,
            consent=consent,
            revoked_on=TODAY() + datetime.timedelta(days=1),
            method="telefon",
        )
    with pytest.raises(ValidationError, match="Välj hur"):
        services.consent_revoke(actor=actor, consent=consent, revoked_on=TODAY(), method="brevduva")


def test_another_unit_cannot_revoke(actor, patient, other_unit):
    consent = services.consent_give(
        actor=actor, patient=patient, scope="mbt", form="muntligt", given_on=TODAY()
    )
    stranger = actor_for(staff_at(other_unit), other_unit)
    with pytest.raises(Consent.DoesNotExist):
        services.consent_revoke(
            actor=stranger, consent=consent, revoked_on=TODAY(), method="telefon"
        )
