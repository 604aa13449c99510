"""Demo data for MBT: both units' teams (Citykliniken's lacks samtalsmottagningen, to show the
warning; Vårdcentralen Åsen has external members from two organisations), a series of meetings
every other week, past and coming, and cases in every state: on the agenda, waiting for consent,
off the agenda after a revoked consent, late, and prepared. Skipped when a team has members.

The meetings are placed from the day the demo is built around, so that every state shows on
any day of the year: Åsen meets two working days from today (its registration closed yesterday,
so a late registration waits for the chair), Citykliniken four working days from today (its
registration closes on the next working day, the day a deadline reminder is for)."""

from __future__ import annotations

import datetime

from django.db.models import F
from django.utils import timezone

from accounts.models import CareUnit, Organisation, User
from core import clock
from journal.accesslog import Actor
from journal.demo import ASEN, CITY
from journal.models import Patient
from journal.workdays import add_working_days
from mbt import services
from mbt.models import MbtRole, Meeting, Participation, TeamMember
from mbt.schedule import at_local

ASEN_TEAM = [
    ("kerstin", MbtRole.REHABKOORDINATOR),
    ("erik", MbtRole.LAKARE),
    ("sara", MbtRole.FYSIOTERAPEUT),
    ("johan", MbtRole.SAMTALSMOTTAGNING),
    ("maria", MbtRole.VARDADMINISTRATOR),
    ("lena", MbtRole.SJUKSKOTERSKA),
]
CITY_TEAM = [
    ("nora", MbtRole.REHABKOORDINATOR),
    ("peter", MbtRole.LAKARE),
    ("ida", MbtRole.FYSIOTERAPEUT),
    ("emma", MbtRole.VARDADMINISTRATOR),
]


def _actor(username: str, unit: CareUnit) -> Actor:
    return Actor(
        user=User.objects.get(username=username), unit=unit, ip="10.20.30.40", request_id="demo"
    )


# Working days from the demo's today to each team's next meeting (see the module docstring).
NEXT_MEETING_IN_WORKING_DAYS = {ASEN: 2, CITY: 4}


def _first_meeting_day(unit: CareUnit) -> datetime.date:
    """Eight weeks (four meetings) before the team's next meeting."""
    upcoming = add_working_days(clock.today(), NEXT_MEETING_IN_WORKING_DAYS[unit.hsa_id])
    return upcoming - datetime.timedelta(weeks=8)


def _patients(unit: CareUnit) -> list[Patient]:
    return list(
        Patient.objects.filter(care_relations__unit=unit)
        .exclude(identity_kind="reservnummer")
        .order_by("pk")
    )


def _register(actor, patient, meeting, question, *, days_ago, late=False, background=""):
    """Registers `days_ago` days back; a registration that is not meant to be late is made an
    hour before the deadline at the latest (over jul and nyår a deadline comes early)."""
    moment = clock.now() - datetime.timedelta(days=days_ago)
    if not late:
        moment = min(moment, services.deadline_of(meeting) - datetime.timedelta(hours=1))
    with clock.fixed_at(moment):
        return services.case_register(
            actor=actor,
            patient=patient,
            meeting=meeting,
            question=question,
            background=background,
            wanted_roles=[MbtRole.LAKARE, MbtRole.FYSIOTERAPEUT],
            late_choice=services.LATE_ASK_CHAIR if late else services.LATE_NEXT,
        )


def _team(unit: CareUnit, roster, coordinator: str, externals=()) -> None:
    actor = _actor(coordinator, unit)
    for username, role in roster:
        services.member_add_internal(
            actor=actor, user=User.objects.get(username=username), role=role
        )
    for organisation, name, email, role in externals:
        services.member_add_external(
            actor=actor, organisation=organisation, name=name, email=email, role=role
        )
    services.team_update(
        actor=actor,
        deadline_working_days=3,
        deadline_time=datetime.time(12, 0),
        feedback_working_days=5,
        default_case_minutes=10,
        default_room="Konferensrummet, plan 2" if unit.hsa_id == ASEN else "Rum Ljuset",
        default_video_link="https://video.region.example/mbt-" + unit.hsa_id[-5:].lower(),
    )
    first = _first_meeting_day(unit)
    with clock.fixed_at(timezone.make_aware(datetime.datetime.combine(first, datetime.time(8, 0)))):
        services.series_create(
            actor=actor,
            first_date=first,
            until=first + datetime.timedelta(weeks=26),
            start_time=datetime.time(13, 0) if unit.hsa_id == ASEN else datetime.time(9, 0),
            length_minutes=60,
            interval_weeks=2,
        )


def seed() -> None:
    if TeamMember.objects.exists():
        return
    asen = CareUnit.objects.get(hsa_id=ASEN)
    city = CareUnit.objects.get(hsa_id=CITY)
    fysio = Organisation.objects.get(name="Fysiokliniken Väst AB")
    fk = Organisation.objects.get(name="Försäkringskassan")
    _team(
        asen,
        ASEN_TEAM,
        "kerstin",
        externals=[
            (fysio, "Jonas Ekström", "jonas.ekstrom@fysio.invalid", MbtRole.FYSIOTERAPEUT),
            (fk, "Helena Sund", "helena.sund@fk.invalid", MbtRole.FK),
        ],
    )
    _team(city, CITY_TEAM, "nora")

    now = clock.now()
    # Vårdcentralen Åsen: the coming meeting (registration closed), the one after, a past one.
    meetings = list(Meeting.objects.filter(team__unit=asen).order_by("starts_at"))
    coming = [m for m in meetings if m.starts_at > now]
    past = [m for m in meetings if m.starts_at <= now]
    nearest, following = coming[0], coming[1]
    p = _patients(asen)
    kerstin, erik, sara = (_actor(u, asen) for u in ("kerstin", "erik", "sara"))
    _register(
        erik,
        p[1],
        nearest,
        "Fortsatt sjukskrivning eller arbetsträning? Behov av fysioterapi?",
        days_ago=9,
        background="Långvarig ländryggssmärta, sjukskriven 75 % sedan augusti.",
    )
    _register(
        sara, p[2], nearest, "Är multimodal rehabilitering vid Smärtcentrum aktuell?", days_ago=8
    )
    _register(
        kerstin,
        p[3],
        nearest,
        "Behov av koordineringsinsatser inför återgång hos arbetsgivaren?",
        days_ago=7,
    )
    # Consent revoked after registration: off the agenda with a notice.
    _register(kerstin, p[15], nearest, "Stöd vid återgång efter utmattning.", days_ago=12)
    # No consent yet: waits.
    _register(
        erik, p[20], nearest, "Bedömning av arbetsförmåga inför avstämningsmöte med FK.", days_ago=6
    )
    # After the deadline: late, for the chair to decide.
    _register(
        sara, p[4], nearest, "Akut försämring, behöver teamets bedömning.", days_ago=0, late=True
    )
    _register(erik, p[5], following, "Psykologisk bedömning och samtalsstöd?", days_ago=2)
    _register(kerstin, p[6], following, "Planering inför 50 % arbete efter årsskiftet.", days_ago=1)
    if past:
        _register(kerstin, p[7], past[-1], "Uppföljning av rehabiliteringsplanen.", days_ago=20)
    for case, helper in ((0, erik), (0, sara), (1, _actor("johan", asen))):
        services.preparation_toggle(
            actor=helper, case=list(nearest.cases.order_by("position"))[case]
        )
    services.participation_set(
        actor=kerstin,
        meeting=nearest,
        member=TeamMember.objects.get(team__unit=asen, user__username="sara"),
        mode=Participation.Mode.DIGITAL,
    )
    services.participation_set(
        actor=kerstin,
        meeting=nearest,
        member=TeamMember.objects.get(team__unit=asen, name="Helena Sund"),
        mode=Participation.Mode.AWAY,
    )
    services.meeting_set_chair(
        actor=kerstin,
        meeting=following,
        chair=User.objects.get(username="kerstin"),
        acting_chair=User.objects.get(username="erik"),
        version=following.version,
    )

    # Citykliniken: no external members, so no consent is needed for its cases.
    nora, peter = _actor("nora", city), _actor("peter", city)
    city_meetings = [
        m
        for m in Meeting.objects.filter(team__unit=city).order_by("starts_at")
        if m.starts_at > now
    ]
    q = _patients(city)
    _register(
        nora, q[1], city_meetings[0], "Behov av arbetsplatsträff med arbetsgivaren?", days_ago=10
    )
    _register(
        peter, q[2], city_meetings[0], "Fortsatt sjukskrivning, vilka insatser behövs?", days_ago=9
    )


def _at(moment: datetime.datetime):
    return clock.fixed_at(moment)


def _hold(
    actor: Actor,
    meeting: Meeting,
    cases,
    *,
    postpone=None,
    addendum: str = "",
    absent: tuple[str, ...] = (MbtRole.SJUKSKOTERSKA,),
    digital: tuple[str, ...] = (),
) -> None:
    """Runs a past meeting as it happened: discussion, outcomes, an action item, attendance
    (members in the `absent` roles away, in the `digital` roles on link), perhaps a
    postponement, then closing it."""
    from mbt import selectors
    from mbt.models import Attendance

    start = meeting.starts_at
    outcomes = [["fysioterapeut"], ["remiss_smarta"], ["koordinering", "lakare"], ["psykolog"]]
    with _at(start + datetime.timedelta(minutes=40)):
        for index, case in enumerate(cases):
            if case is postpone:
                services.case_postpone(
                    actor=actor, case=case, reason="Väntar på svar från arbetsgivaren."
                )
                continue
            services.discussion_save(
                actor=actor,
                case=case,
                summary=(
                    "Teamet gick igenom sjukskrivningen och arbetsförmågan. Patienten är motiverad."
                ),
                outcomes=outcomes[index % len(outcomes)],
                version=0,
            )
            if index == 0:
                services.action_item_add(
                    actor=actor,
                    case=case,
                    what="Kontakta arbetsgivaren om anpassade uppgifter",
                    owner=case.registrant,
                    due_on=timezone.localtime(start).date() + datetime.timedelta(days=10),
                )
        for member in selectors.active_members(meeting.team):
            if member.role in absent or member.role in digital:
                services.attendance_set(
                    actor=actor,
                    meeting=meeting,
                    member=member,
                    mode=Attendance.Mode.ABSENT
                    if member.role in absent
                    else Attendance.Mode.DIGITAL,
                )
    with _at(start + datetime.timedelta(minutes=60)):
        meeting = Meeting.objects.get(pk=meeting.pk)
        services.meeting_close(actor=actor, meeting=meeting)
    if addendum:
        with _at(start + datetime.timedelta(days=1)):
            services.addendum_add(actor=actor, meeting=meeting, text=addendum)


def _feedback(task, *, said: str, days_after: int = 0, late_by: int = 0) -> None:
    """Feedback given `days_after` the meeting, or `late_by` days after the task's due day (a
    due day counts working days, so a fixed number of days after a meeting at jul is on time)."""
    from mbt.models import FeedbackTask

    task = FeedbackTask.objects.select_related("owner", "case__meeting", "case__unit").get(
        pk=task.pk
    )
    if late_by:
        when = at_local(task.due_on + datetime.timedelta(days=late_by), datetime.time(10, 30))
    else:
        when = task.case.meeting.starts_at + datetime.timedelta(days=days_after)
    owner = Actor(user=task.owner, unit=task.case.unit, ip="10.20.30.40", request_id="demo")
    with _at(when):
        services.feedback_record(
            actor=owner,
            task=task,
            method="telefon",
            given_on=timezone.localtime(when).date(),
            said=said,
        )


def seed_conferences() -> None:
    """Held meetings with minutes: feedback given on time, late, and still open (overdue); an
    addendum; a case postponed to the coming meeting. Skipped once a meeting is closed."""
    from consent import services as consent_services
    from mbt.models import FeedbackTask

    if Meeting.objects.filter(status=Meeting.Status.CLOSED).exists():
        return
    asen = CareUnit.objects.get(hsa_id=ASEN)
    kerstin, erik, sara = (_actor(u, asen) for u in ("kerstin", "erik", "sara"))
    now = clock.now()
    past = [
        m
        for m in Meeting.objects.filter(team__unit=asen).order_by("starts_at")
        if m.starts_at < now
    ]
    p = _patients(asen)
    # Consents to MBT given well before those meetings (the team has external members).
    for patient in p[21:27]:
        with _at(now - datetime.timedelta(days=70)):
            consent_services.consent_give(
                actor=kerstin,
                patient=patient,
                scope="mbt",
                form="muntligt",
                given_on=clock.today() - datetime.timedelta(days=70),
            )
    four_weeks_ago, two_weeks_ago = past[-2], past[-1]
    if len(past) >= 3 and not past[-3].cases.exists():
        # An earlier meeting was cancelled (the indicators show it against the plan).
        with _at(past[-3].starts_at - datetime.timedelta(days=2)):
            services.meeting_cancel(
                actor=kerstin,
                meeting=past[-3],
                reason="Läkaren och fysioterapeuten på utbildning.",
                version=past[-3].version,
            )
    first = [
        _register(
            erik,
            p[21],
            four_weeks_ago,
            "Behov av fysioterapi för återgång i arbete?",
            days_ago=(now - four_weeks_ago.starts_at).days + 10,
        ),
        _register(
            sara,
            p[22],
            four_weeks_ago,
            "Är remiss till Smärtcentrum aktuell?",
            days_ago=(now - four_weeks_ago.starts_at).days + 9,
        ),
        # Its feedback is still open: due a week after the meeting, overdue on any day.
        _register(
            erik,
            p[23],
            four_weeks_ago,
            "Koordineringsinsatser och läkarbedömning?",
            days_ago=(now - four_weeks_ago.starts_at).days + 8,
        ),
    ]
    _hold(
        kerstin,
        four_weeks_ago,
        first,
        absent=(MbtRole.SJUKSKOTERSKA, MbtRole.VARDADMINISTRATOR),
        digital=(MbtRole.FYSIOTERAPEUT,),
        addendum="Rättelse: åtgärden för ärende 1 ska vara klar inom två veckor, inte tio dagar.",
    )
    second_cases = [
        _register(
            kerstin,
            p[24],
            two_weeks_ago,
            "Behov av samtalsstöd?",
            days_ago=(now - two_weeks_ago.starts_at).days + 8,
        ),
        _register(
            sara,
            p[25],
            two_weeks_ago,
            "Arbetsträning hos arbetsgivaren?",
            days_ago=(now - two_weeks_ago.starts_at).days + 7,
        ),
    ]
    # The team did not reach this one: closing the meeting moved it to the coming meeting, and
    # its registrant (erik) finds the notice on his start page.
    not_reached = _register(
        erik,
        p[26],
        two_weeks_ago,
        "Behov av arbetsterapeutisk bedömning inför arbetsträning?",
        days_ago=(now - two_weeks_ago.starts_at).days + 6,
    )
    # With the one registered earlier; all but the one not reached are taken up.
    everything = [c for c in two_weeks_ago.cases.order_by("position") if c.pk != not_reached.pk]
    _hold(
        kerstin,
        two_weeks_ago,
        everything,
        postpone=next(c for c in everything if c.pk == second_cases[1].pk),
    )
    tasks = {t.case.patient_id: t for t in FeedbackTask.objects.select_related("case")}
    _feedback(
        tasks[p[21].pk],
        days_after=2,
        said="Informerad om att fysioterapeut kontaktar henne inom en vecka.",
    )
    _feedback(tasks[p[22].pk], late_by=3, said="Informerad om remissen till Smärtcentrum.")
    _feedback(tasks[p[24].pk], days_after=1, said="Informerad om teamets bedömning och remissen.")
    # p[23]'s feedback is still open, and overdue.


def seed_reminders() -> None:
    """The reminders that went out before today, as the worker would have sent them (issued and
    marked sent at the moment they fell due). Today's are left for the worker, so that `make run`
    shows them in its console. Skipped once any reminder exists."""
    from mbt import reminders
    from mbt.models import MeetingReminder, MeetingSeries, ReminderMail

    if MeetingReminder.objects.exists():
        return
    start_of_today = at_local(clock.today(), datetime.time(0, 0))
    created = {series.pk: series.created_at for series in MeetingSeries.objects.all()}
    meetings = Meeting.objects.exclude(status=Meeting.Status.CANCELLED).select_related("team__unit")
    for meeting in meetings.order_by("starts_at"):
        deadline = services.deadline_of(meeting)
        moments = {
            MeetingReminder.Kind.DEADLINE: reminders.deadline_reminder_from(meeting),
            MeetingReminder.Kind.AGENDA_READY: reminders.working_moment(deadline),
        }
        ends = {
            MeetingReminder.Kind.DEADLINE: deadline,
            MeetingReminder.Kind.AGENDA_READY: meeting.starts_at,
        }
        for kind, moment in moments.items():
            if created.get(meeting.series_id, moment) <= moment < min(start_of_today, ends[kind]):
                with clock.fixed_at(moment):
                    mails = reminders.issue(meeting, kind, now=moment)
                ReminderMail.objects.filter(pk__in=[m.pk for m in mails]).update(sent_at=moment)
    # Closing the demo's past meetings told registrants of the cases they moved: sent then.
    ReminderMail.objects.filter(
        kind=ReminderMail.Kind.CASES_MOVED, sent_at__isnull=True, created_at__lt=start_of_today
    ).update(sent_at=F("created_at"))
