"""The consent rules, in one place. mbt/ and coordination/ ask these questions; the answers carry
a reason a user can read. Nothing here knows about meetings, cases or episodes.

1. Is consent needed to discuss a patient with these parties? Not when every party belongs to the
   unit's vårdgivare and no external party takes part; otherwise yes, naming who makes it needed.
2. Does a valid consent cover scope S (with party P) on day D? Given on or before D, not revoked
   by D, not expired before D.
3. What changed between two days: which scopes were covered on the first and are not on the
   second, and why (revoked, expired).

Consents are passed in as objects with the attributes of consent.models.Consent (scope, party_id,
given_on, valid_until, revoked_on, form, ...), so the rules can be tested over a table of cases.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import Assignment, Organisation, User, Vardgivare
from consent.models import ConsentForm, Scope, scope_phrase
from core import clock


def _date(day: datetime.date) -> str:
    return day.isoformat()


# --- 1. Who takes part, and is consent needed? ------------------------------------------------


@dataclass(frozen=True)
class Party:
    """Someone who will take part: a member of staff, an external organisation or a vårdgivare.
    vardgivare_ids are the care providers the party belongs to; an external party (FK, AF,
    socialtjänst, an employer) belongs to none."""

    name: str
    vardgivare_ids: frozenset[int] = frozenset()
    external: bool = False
    organisation_id: int | None = None


def user_party(user: User, *, on: datetime.date | None = None) -> Party:
    """A member of staff belongs to the vårdgivare of the units where they hold a current
    assignment."""
    ids = frozenset(
        Assignment.objects.current(on)
        .filter(user=user)
        .values_list("unit__vardgivare_id", flat=True)
    )
    return Party(name=user.name_and_profession, vardgivare_ids=ids)


def organisation_party(organisation: Organisation) -> Party:
    if organisation.kind == Organisation.Kind.VARDGIVARE and organisation.vardgivare_id:
        return Party(
            name=organisation.name,
            vardgivare_ids=frozenset({organisation.vardgivare_id}),
            organisation_id=organisation.pk,
        )
    return Party(name=organisation.name, external=True, organisation_id=organisation.pk)


def vardgivare_party(vardgivare: Vardgivare) -> Party:
    return Party(name=vardgivare.name, vardgivare_ids=frozenset({vardgivare.pk}))


@dataclass(frozen=True)
class ConsentNeed:
    needed: bool
    because_of: tuple[Party, ...]
    reason: str


def consent_needed(*, vardgivare: Vardgivare, parties: Iterable[Party]) -> ConsentNeed:
    outside = tuple(p for p in parties if p.external or vardgivare.pk not in p.vardgivare_ids)
    if not outside:
        return ConsentNeed(
            needed=False,
            because_of=(),
            reason=_(
                "Inget samtycke behövs: alla deltagare tillhör %(vg)s och ingen extern part deltar."
            )
            % {"vg": vardgivare.name},
        )
    names = ", ".join(
        f"{p.name} ({_('extern part') if p.external else _('annan vårdgivare')})" for p in outside
    )
    return ConsentNeed(
        needed=True,
        because_of=outside,
        reason=_("Samtycke behövs eftersom %(names)s deltar.") % {"names": names},
    )


# --- 2. Is a scope covered on a day? --------------------------------------------------------------


def is_valid_on(consent, day: datetime.date) -> bool:
    if consent.given_on > day:
        return False
    if consent.revoked_on is not None and consent.revoked_on <= day:
        return False
    return not (consent.valid_until is not None and consent.valid_until < day)


def _scope_name(scope: str, party_name: str | None = None) -> str:
    return scope_phrase(scope, party_name)


@dataclass(frozen=True)
class Coverage:
    covered: bool
    reason: str
    consent: object | None = None


def coverage(
    consents: Iterable,
    *,
    scope: str,
    on: datetime.date,
    party_id: int | None = None,
    party_name: str | None = None,
) -> Coverage:
    """Does a consent of `scope` (for samverkan: with `party_id`) hold on day `on`?"""
    consents = list(consents)
    of_scope = [c for c in consents if c.scope == scope]
    relevant = [c for c in of_scope if scope != Scope.SAMVERKAN or c.party_id == party_id]
    what = _scope_name(scope, party_name)
    valid = [c for c in relevant if is_valid_on(c, on)]
    if valid:
        best = max(valid, key=lambda c: (c.given_on, c.pk or 0))
        form = _("muntligt") if best.form == ConsentForm.MUNTLIGT else _("skriftligt")
        reason = _("Samtycke till %(what)s gavs %(form)s %(date)s") % {
            "what": what,
            "form": form,
            "date": _date(best.given_on),
        }
        if best.valid_until:
            reason += _(" och gäller till och med %(date)s") % {"date": _date(best.valid_until)}
        return Coverage(True, reason + ".", best)
    if not relevant:
        if scope == Scope.SAMVERKAN and of_scope:
            return Coverage(
                False,
                _("Det finns samtycke till samverkan med andra parter, men inte med %(party)s.")
                % {"party": party_name or _("den här parten")},
            )
        return Coverage(False, _("Det finns inget samtycke till %(what)s.") % {"what": what})
    # Explain by the consent closest to being valid: the latest given.
    latest = max(relevant, key=lambda c: (c.given_on, c.pk or 0))
    if latest.revoked_on is not None and latest.revoked_on <= on:
        reason = _("Samtycket till %(what)s återkallades %(date)s.") % {
            "what": what,
            "date": _date(latest.revoked_on),
        }
    elif latest.valid_until is not None and latest.valid_until < on:
        reason = _("Samtycket till %(what)s gällde till och med %(date)s.") % {
            "what": what,
            "date": _date(latest.valid_until),
        }
    else:
        reason = _("Samtycket till %(what)s gavs först %(given)s, efter %(day)s.") % {
            "what": what,
            "given": _date(latest.given_on),
            "day": _date(on),
        }
    return Coverage(False, reason, latest)


# --- 3. What changed? -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageChange:
    scope: str
    party_id: int | None
    party_name: str | None
    reason: str


@dataclass
class ScopeKey:
    scope: str
    party_id: int | None = None
    party_name: str | None = field(default=None, compare=False)


def _keys(consents: Sequence) -> list[ScopeKey]:
    keys: dict[tuple[str, int | None], ScopeKey] = {}
    for c in consents:
        party_name = c.party.name if c.party_id else None
        keys.setdefault((c.scope, c.party_id), ScopeKey(c.scope, c.party_id, party_name))
    return list(keys.values())


def lost_coverage(
    consents: Iterable, *, before: datetime.date, after: datetime.date | None = None
) -> list[CoverageChange]:
    """The scopes that lost their cover after `before`: a consent of the scope was revoked or
    ran out after that day, and none covers the scope on `after` (today by default). Each comes
    with the reason: what an app shows when a consent has been revoked or has expired."""
    after = after or clock.today()
    consents = list(consents)
    changes = []
    for key in _keys(consents):
        now = coverage(
            consents, scope=key.scope, on=after, party_id=key.party_id, party_name=key.party_name
        )
        if now.covered:
            continue
        of_key = [c for c in consents if c.scope == key.scope and c.party_id == key.party_id]
        if any(_ended_between(c, before, after) for c in of_key):
            changes.append(CoverageChange(key.scope, key.party_id, key.party_name, now.reason))
    return changes


def _ended_between(consent, before: datetime.date, after: datetime.date) -> bool:
    """The consent was in force at some point and stopped covering after `before`, by `after`."""
    if consent.revoked_on is not None and consent.revoked_on < consent.given_on:
        return False
    if consent.revoked_on is not None and before < consent.revoked_on <= after:
        return True
    # valid_until is the last day in force: it stops covering the day after.
    return consent.valid_until is not None and before <= consent.valid_until < after


def covered_scopes(consents: Iterable, *, on: datetime.date | None = None) -> list[ScopeKey]:
    """Every scope (with party) that a consent covers on the day: the badges on the patient page."""
    on = on or clock.today()
    consents = list(consents)
    return [
        key
        for key in _keys(consents)
        if coverage(consents, scope=key.scope, on=on, party_id=key.party_id).covered
    ]
