"""The consent rules over a table of cases."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from accounts.models import Organisation, Role
from consent import rules
from consent.models import Scope
from tests.factories import (
    AssignmentFactory,
    CareUnitFactory,
    OrganisationFactory,
    UserFactory,
    VardgivareFactory,
)

D = datetime.date


@dataclass
class C:
    """A consent as the rules see it."""

    scope: str
    given_on: datetime.date
    valid_until: datetime.date | None = None
    revoked_on: datetime.date | None = None
    party_id: int | None = None
    form: str = "muntligt"
    pk: int = 1

    @property
    def party(self):
        return SimpleNamespace(name=f"Part {self.party_id}") if self.party_id else None


DAY = D(2026, 11, 24)

CASES = [
    # (label, consents, scope, party, covered, words in the reason)
    (
        "given before the day",
        [C("mbt", D(2026, 11, 1))],
        "mbt",
        None,
        True,
        "gavs muntligt 2026-11-01",
    ),
    ("given on the day", [C("mbt", DAY)], "mbt", None, True, "gavs muntligt 2026-11-24"),
    (
        "given after the day",
        [C("mbt", D(2026, 11, 25))],
        "mbt",
        None,
        False,
        "gavs först 2026-11-25",
    ),
    (
        "revoked before",
        [C("mbt", D(2026, 10, 1), revoked_on=D(2026, 11, 20))],
        "mbt",
        None,
        False,
        "återkallades 2026-11-20",
    ),
    (
        "revoked on the day",
        [C("mbt", D(2026, 10, 1), revoked_on=DAY)],
        "mbt",
        None,
        False,
        "återkallades",
    ),
    (
        "revoked later",
        [C("mbt", D(2026, 10, 1), revoked_on=D(2026, 12, 1))],
        "mbt",
        None,
        True,
        "gavs",
    ),
    (
        "expired",
        [C("mbt", D(2026, 1, 1), valid_until=D(2026, 11, 23))],
        "mbt",
        None,
        False,
        "gällde till och med 2026-11-23",
    ),
    (
        "last valid day",
        [C("mbt", D(2026, 1, 1), valid_until=DAY)],
        "mbt",
        None,
        True,
        "gäller till och med 2026-11-24",
    ),
    (
        "wrong scope",
        [C("koordinering", D(2026, 1, 1))],
        "mbt",
        None,
        False,
        "inget samtycke till diskussion",
    ),
    (
        "no consents",
        [],
        "fk_information",
        None,
        False,
        "inget samtycke till information till försäkringskassan",
    ),
    (
        "right party",
        [C("samverkan", D(2026, 1, 1), party_id=7)],
        "samverkan",
        7,
        True,
        "samverkan med Part 7",
    ),
    (
        "wrong party",
        [C("samverkan", D(2026, 1, 1), party_id=7)],
        "samverkan",
        8,
        False,
        "andra parter, men inte med Part 8",
    ),
    (
        "a revoked one and a newer valid one",
        [C("mbt", D(2026, 1, 1), revoked_on=D(2026, 3, 1), pk=1), C("mbt", D(2026, 6, 1), pk=2)],
        "mbt",
        None,
        True,
        "gavs muntligt 2026-06-01",
    ),
    (
        "written",
        [C("koordinering", D(2026, 1, 1), form="skriftligt")],
        "koordinering",
        None,
        True,
        "gavs skriftligt",
    ),
]


@pytest.mark.parametrize(
    ("label", "consents", "scope", "party", "covered", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_coverage(label, consents, scope, party, covered, words):
    answer = rules.coverage(
        consents, scope=scope, on=DAY, party_id=party, party_name=f"Part {party}" if party else None
    )
    assert answer.covered is covered
    assert words.lower() in answer.reason.lower()


def test_lost_coverage_names_what_changed():
    consents = [
        C("mbt", D(2026, 1, 1), revoked_on=D(2026, 11, 20), pk=1),
        C("koordinering", D(2026, 1, 1), valid_until=D(2026, 11, 10), pk=2),
        C("fk_information", D(2026, 1, 1), pk=3),
    ]
    changes = rules.lost_coverage(consents, before=D(2026, 11, 1), after=DAY)
    assert {c.scope for c in changes} == {"mbt", "koordinering"}
    reasons = " ".join(c.reason for c in changes)
    assert "återkallades 2026-11-20" in reasons and "gällde till och med 2026-11-10" in reasons
    # Lost since the 21st: only the revocation on the 20th is already in the past by then.
    assert [c.scope for c in rules.lost_coverage(consents, before=D(2026, 11, 21), after=DAY)] == []
    assert [k.scope for k in rules.covered_scopes(consents, on=DAY)] == ["fk_information"]


@pytest.mark.django_db
class TestConsentNeeded:
    def setup_parties(self):
        region = VardgivareFactory(name="Region Värmland")
        private = VardgivareFactory(name="Fysio AB")
        unit = CareUnitFactory(vardgivare=region)
        sister = CareUnitFactory(vardgivare=region)
        nurse = UserFactory(first_name="Lena", last_name="Ek")
        AssignmentFactory(user=nurse, unit=unit)
        sister_doctor = UserFactory(first_name="Erik", last_name="Berg")
        AssignmentFactory(user=sister_doctor, unit=sister, role=Role.CARE)
        fk = OrganisationFactory(name="Försäkringskassan", kind=Organisation.Kind.FORSAKRINGSKASSAN)
        own_provider = OrganisationFactory(
            name="Regionens fysioterapi", kind=Organisation.Kind.VARDGIVARE, vardgivare=region
        )
        other_provider = OrganisationFactory(
            name="Fysio AB", kind=Organisation.Kind.VARDGIVARE, vardgivare=private
        )
        return region, nurse, sister_doctor, fk, own_provider, other_provider

    def test_same_vardgivare_needs_no_consent(self):
        region, nurse, sister_doctor, _, own_provider, _ = self.setup_parties()
        parties = [
            rules.user_party(nurse),
            rules.user_party(sister_doctor),
            rules.organisation_party(own_provider),
        ]
        answer = rules.consent_needed(vardgivare=region, parties=parties)
        assert not answer.needed
        assert "alla deltagare tillhör Region Värmland" in answer.reason

    def test_external_party_needs_consent(self):
        region, nurse, _, fk, _, _ = self.setup_parties()
        answer = rules.consent_needed(
            vardgivare=region, parties=[rules.user_party(nurse), rules.organisation_party(fk)]
        )
        assert answer.needed
        assert [p.name for p in answer.because_of] == ["Försäkringskassan"]
        assert "Försäkringskassan (extern part)" in answer.reason

    def test_other_care_provider_needs_consent(self):
        region, nurse, _, _, _, other_provider = self.setup_parties()
        answer = rules.consent_needed(
            vardgivare=region,
            parties=[rules.user_party(nurse), rules.organisation_party(other_provider)],
        )
        assert answer.needed and "Fysio AB (annan vårdgivare)" in answer.reason

    def test_staff_without_current_assignment_at_the_vardgivare_counts_as_outside(self):
        region, *_ = self.setup_parties()
        stranger = UserFactory(first_name="Okänd", last_name="Person")
        answer = rules.consent_needed(vardgivare=region, parties=[rules.user_party(stranger)])
        assert answer.needed

    def test_vardgivare_as_party(self):
        region, *_ = self.setup_parties()
        assert not rules.consent_needed(
            vardgivare=region, parties=[rules.vardgivare_party(region)]
        ).needed


def test_scope_labels_are_swedish():
    assert Scope.MBT.label.startswith("Diskussion")
