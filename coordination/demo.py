"""Demo data for koordineringsinsatser: sick-listed patients at both units, sjukfall near each
milestone (day 90, 180, 365), one joined across a short gap, episodes in every status with
activities of every type, information to Försäkringskassan, an episode whose consent was revoked
("samtycke saknas"), an ended episode, and a review of the follow-up list a week ago so that
"nytt sedan min senaste genomgång" shows something. Skipped once any sick leave exists."""

from __future__ import annotations

import contextlib
import datetime

from accounts.models import CareUnit, Organisation, User
from consent import services as consent_services
from consent.models import Consent, Scope
from coordination import services
from coordination.models import FollowUpReview, SickLeavePeriod
from core import clock
from journal.accesslog import Actor
from journal.demo import ASEN, CITY
from journal.models import Patient


def _actor(username: str, unit: CareUnit) -> Actor:
    return Actor(
        user=User.objects.get(username=username), unit=unit, ip="10.20.30.40", request_id="demo"
    )


def _day(days_ago: int) -> datetime.date:
    return clock.today() - datetime.timedelta(days=days_ago)


def _then(days_ago: int, hour: int = 10):
    """The clock at `hour` o'clock `days_ago` days back; today, the clock as it is."""
    if days_ago <= 0:
        return contextlib.nullcontext()
    moment = clock.localtime() - datetime.timedelta(days=days_ago)
    return clock.fixed_at(moment.replace(hour=hour, minute=15, second=0, microsecond=0))


def _patients(unit: CareUnit) -> list[Patient]:
    return list(
        Patient.objects.filter(care_relations__unit=unit)
        .exclude(identity_kind="reservnummer")
        .order_by("pk")
    )


def _period(actor, patient, start_ago, end_ago, extent=100, occupation="anstalld", *, at=None):
    start, end = _day(start_ago), _day(end_ago)  # before the clock is turned back
    with _then(at if at is not None else max(start_ago, 0)):
        services.sick_leave_add(
            actor=actor,
            patient=patient,
            start_date=start,
            end_date=end,
            extent=extent,
            occupation=occupation,
        )


def _consent(actor, patient, scope, days_ago, party=None) -> Consent:
    given = _day(days_ago)
    with _then(days_ago, 9):
        return consent_services.consent_give(
            actor=actor,
            patient=patient,
            scope=scope,
            form="muntligt",
            given_on=given,
            party=party,
            note="Patienten informerad om att samtycket kan återkallas när som helst.",
        )


def _episode(actor, patient, doctor, started_ago, need, *, responsible=None, follow_up=None, **kw):
    started, assessed = _day(started_ago), _day(started_ago + 6)
    follow = _day(follow_up) if follow_up is not None else None
    with _then(started_ago, 11):
        return services.episode_start(
            actor=actor,
            patient=patient,
            responsible=responsible or actor.user,
            started_on=started,
            need=need,
            assessed_by=doctor,
            assessed_on=assessed,
            next_follow_up=follow,
            **kw,
        )


def _activity(
    actor,
    episode,
    days_ago,
    kind,
    note,
    *,
    minutes=30,
    contact=True,
    mode="telefon",
    organisation=None,
):
    performed = _day(days_ago)
    with _then(days_ago, 14):
        return services.activity_record(
            actor=actor,
            episode=episode,
            kind=kind,
            organisation=organisation,
            performed_on=performed,
            minutes=minutes,
            patient_contact=contact,
            mode=mode,
            note=note,
        )


def _plan(
    actor,
    episode,
    days_ago,
    *,
    goals,
    steps,
    sick_leave,
    collaboration,
    follow_up,
    based_on=0,
    follow_up_note="",
):
    """steps: (days from today, work %, note); follow_up: days ago (negative: ahead)."""
    today = clock.today()
    rows = [
        {"from": today + datetime.timedelta(days=ahead), "work": work, "note": note}
        for ahead, work, note in steps
    ]
    next_day = _day(follow_up)
    with _then(days_ago, 13):
        return services.plan_save(
            actor=actor,
            episode=episode,
            based_on=based_on,
            goals=goals,
            steps=rows,
            planned_sick_leave=sick_leave,
            collaboration=collaboration,
            follow_up_note=follow_up_note,
            next_follow_up=next_day,
        )


def seed() -> None:
    if SickLeavePeriod.objects.exists():
        return
    asen = CareUnit.objects.get(hsa_id=ASEN)
    city = CareUnit.objects.get(hsa_id=CITY)
    kerstin, lena = _actor("kerstin", asen), _actor("lena", asen)
    erik = User.objects.get(username="erik")
    employer = Organisation.objects.get(name="Åsens Bygg AB")
    af = Organisation.objects.get(name="Arbetsförmedlingen")
    p = _patients(asen)[26:41]

    # Near day 90: an active episode with activities of every type and information to FK.
    _period(kerstin, p[0], 86, 30, at=86)
    _period(kerstin, p[0], 29, -20, 100, at=29)
    _consent(kerstin, p[0], Scope.KOORDINERING, 60)
    _consent(kerstin, p[0], Scope.FK_INFORMATION, 60)
    _consent(kerstin, p[0], Scope.SAMVERKAN, 60, party=employer)
    first = _episode(
        kerstin,
        p[0],
        erik,
        55,
        "Stöd för att komma tillbaka till arbetet som undersköterska; oro inför samtal med chefen.",
        follow_up=-3,
        employer="Åsens Bygg AB",
        employer_contact="Per Lund, personalchef, 054-123 45",
    )
    _activity(
        kerstin,
        first,
        54,
        "personligt_stod",
        "Första samtalet: förväntningar och farhågor "
        "inför återgången. Patienten vill börja på halvtid.",
        minutes=45,
        mode="besok",
    )
    _activity(
        kerstin,
        first,
        40,
        "intern_samordning",
        "Stämde av med fysioterapeut Sara Nilsson om träningsupplägg inför arbetsträning.",
        minutes=15,
        contact=False,
    )
    _activity(
        kerstin,
        first,
        30,
        "samverkan",
        "Telefonmöte med arbetsgivaren om anpassade arbetsuppgifter och arbetstider.",
        organisation=employer,
        contact=False,
    )
    informed = _day(28)
    with _then(28, 15):
        services.fk_inform(
            actor=kerstin,
            episode=first,
            informed_on=informed,
            channel="digitalt",
            content="Patienten har behov av rehabiliteringsåtgärder: arbetsträning hos "
            "arbetsgivaren med stegvis ökad arbetstid.",
        )
    _plan(
        kerstin,
        first,
        50,
        goals="Tillbaka som undersköterska på heltid efter nyår.",
        steps=[(-10, 50, "Förmiddagar, utan nattpass"), (14, 75, ""), (35, 100, "")],
        sick_leave="100 % till och med arbetsträningens start, därefter 50 % och 25 %.",
        collaboration=["arbetsgivare", "fk"],
        follow_up=21,
    )
    _plan(
        kerstin,
        first,
        6,
        based_on=1,
        follow_up_note="Halvtiden fungerar bra; patienten vill öka tidigare än planerat.",
        goals="Tillbaka som undersköterska på heltid efter nyår.",
        steps=[(-10, 50, "Förmiddagar, utan nattpass"), (7, 75, ""), (28, 100, "")],
        sick_leave="50 % till och med nästa vecka, därefter 25 %.",
        collaboration=["arbetsgivare", "fk"],
        follow_up=-3,
    )
    _activity(
        kerstin,
        first,
        6,
        "personligt_stod",
        "Uppföljning: första veckan på halvtid har gått bra.",
        minutes=20,
    )

    # Near day 180: the nurse is responsible (not only the coordinator), in follow-up.
    _period(lena, p[1], 176, 90, at=176)
    _period(lena, p[1], 89, 1, 75, at=89)
    _period(lena, p[1], 0, -30, 50, at=0)
    _consent(lena, p[1], Scope.KOORDINERING, 120)
    second = _episode(
        lena, p[1], erik, 110, "Motivation och stöd i kontakt med Arbetsförmedlingen.", follow_up=2
    )
    _consent(lena, p[1], Scope.SAMVERKAN, 100, party=af)
    _activity(lena, second, 100, "personligt_stod", "Samtal om mål och vad som känns svårt.")
    _activity(
        lena,
        second,
        70,
        "samverkan",
        "Trepartssamtal med Arbetsförmedlingen om arbetsprövning.",
        organisation=af,
        minutes=60,
        mode="video",
    )
    _activity(
        lena,
        second,
        12,
        "personligt_stod",
        "Avstämning efter arbetsprövningens första vecka.",
        minutes=20,
    )
    _plan(
        lena,
        second,
        95,
        goals="Hitta ett arbete med mindre tunga lyft, med stöd av Arbetsförmedlingen.",
        steps=[(-60, 25, "Arbetsprövning via Arbetsförmedlingen"), (-20, 50, "")],
        sick_leave="75 % under arbetsprövningen, därefter 50 %.",
        collaboration=["af", "fk"],
        follow_up=-2,
    )
    services.status_set(actor=lena, patient=p[1], status="uppfoljning")

    # Near day 365: active, but no activity for 40 days and a follow-up date that has passed.
    _period(kerstin, p[2], 362, 180, at=362)
    _period(kerstin, p[2], 177, -40, 100, at=177)
    _consent(kerstin, p[2], Scope.KOORDINERING, 200)
    third = _episode(
        kerstin,
        p[2],
        erik,
        190,
        "Långvarig sjukskrivning; behöver stöd att hitta en "
        "väg tillbaka, eventuellt till annat arbete.",
        follow_up=5,
    )
    _activity(kerstin, third, 180, "personligt_stod", "Inledande samtal.", mode="besok", minutes=60)
    _activity(
        kerstin,
        third,
        40,
        "intern_samordning",
        "Diskuterade fortsatt planering med läkaren.",
        contact=False,
        minutes=10,
    )

    # Sick-listed, not contacted yet (new since the review a week ago).
    _period(kerstin, p[3], 20, -40, at=3)
    _period(kerstin, p[4], 45, -15, 50, "arbetssokande", at=45)
    services.status_set(actor=kerstin, patient=p[4], status="kontaktad")
    # Two periods four days apart: one sjukfall.
    _period(kerstin, p[5], 70, 35, at=70)
    _period(kerstin, p[5], 30, -10, 75, "egenforetagare", at=30)
    # Ends in a few days, stepping down.
    _period(kerstin, p[6], 50, 20, 100, at=50)
    _period(kerstin, p[6], 19, -4, 25, at=19)
    # Students and a longer list.
    _period(kerstin, p[7], 12, -18, 100, "studerande", at=2)
    for index, patient in enumerate(p[8:12]):
        _period(
            kerstin,
            patient,
            15 + 11 * index,
            -(7 + 5 * index),
            100 if index % 2 else 50,
            at=15 + 11 * index,
        )

    # Ended: back at work; the sjukfall is over.
    _period(kerstin, p[12], 150, 20, at=150)
    _consent(kerstin, p[12], Scope.KOORDINERING, 140)
    ended = _episode(kerstin, p[12], erik, 130, "Stöd inför återgång efter lång frånvaro.")
    _activity(kerstin, ended, 120, "personligt_stod", "Planering av återgången.", mode="besok")
    _activity(kerstin, ended, 60, "personligt_stod", "Uppföljning av arbetsträningen.")
    ended_on = _day(19)
    with _then(19, 16):
        services.episode_end(
            actor=kerstin,
            episode=ended,
            version=ended.version,
            ended_on=ended_on,
            reason="arbete",
            note="Arbetar heltid sedan en vecka.",
        )

    # Consent revoked mid-episode (the consent demo revokes it three days ago).
    revoked = _patients(asen)[13]
    _period(kerstin, revoked, 40, -25, at=40)
    if Consent.objects.filter(patient=revoked, unit=asen, scope=Scope.KOORDINERING).exists():
        paused = _episode(
            kerstin, revoked, erik, 25, "Stöd i kontakten med arbetsgivaren.", follow_up=-1
        )
        _activity(kerstin, paused, 20, "personligt_stod", "Samtal om arbetssituationen.")

    # The coordinator went through the list a week ago.
    FollowUpReview.objects.create(
        user=kerstin.user, unit=asen, reviewed_at=clock.now() - datetime.timedelta(days=7)
    )

    # Citykliniken Hälsan: a few sick-listed patients and one episode.
    nora = _actor("nora", city)
    peter = User.objects.get(username="peter")
    c = _patients(city)[20:28]
    _period(nora, c[0], 95, -10, at=95)
    _consent(nora, c[0], Scope.KOORDINERING, 80)
    city_episode = _episode(
        nora,
        c[0],
        peter,
        75,
        "Stöd vid återgång efter operation; oro för att belasta för tidigt.",
        follow_up=-7,
    )
    _activity(nora, city_episode, 70, "personligt_stod", "Samtal om förväntningar.")
    _activity(
        nora,
        city_episode,
        30,
        "intern_samordning",
        "Avstämning med fysioterapeut.",
        contact=False,
        minutes=10,
    )
    _period(nora, c[1], 30, -5, 50, at=30)
    _period(nora, c[2], 10, -50, at=10)
    services.status_set(actor=nora, patient=c[2], status="kontaktad")
