"""Quality indicators on a hand-computed example."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from config.charts import bar_chart
from journal import services as journal_services
from mbt import indicators
from mbt.models import Attendance, CaseReferral, Discussion, FeedbackTask, MbtRole, Meeting
from mbt.schedule import at_local
from tests.factories import register_patient, staff_at

pytestmark = pytest.mark.django_db
D = datetime.date


def make_meeting(team, day, status=Meeting.Status.CLOSED):
    return Meeting.objects.create(
        team=team,
        starts_at=at_local(day, datetime.time(13, 0)),
        status=status,
        closed_at=at_local(day, datetime.time(14, 0)) if status == Meeting.Status.CLOSED else None,
        cancel_reason="Sjukdom" if status == Meeting.Status.CANCELLED else "",
    )


def discussed_case(actor, meeting, registered_on, outcomes, *, due, given=None):
    patient = register_patient(actor.unit, actor.user)
    case = CaseReferral.objects.create(
        unit=actor.unit,
        meeting=meeting,
        patient=patient,
        registrant=actor.user,
        question="X",
        state=CaseReferral.State.DISCUSSED,
        registered_at=at_local(registered_on, datetime.time(9, 0)),
    )
    Discussion.objects.create(case=case, outcomes=outcomes, saved_by=actor.user)
    entry = journal_services.journal_entry_create(
        actor=actor, patient=patient, entry_type="mbt_konferens", text="x", sign=False
    )
    FeedbackTask.objects.create(
        case=case,
        owner=actor.user,
        due_on=due,
        conference_entry=entry,
        given_on=given,
        method="telefon" if given else "",
        feedback_entry=entry if given else None,
        done_at=at_local(given, datetime.time(10, 0)) if given else None,
    )
    return case


def test_hand_computed_example(team, actor, unit):
    # Two held meetings 14 days apart and one cancelled, inside a 28-day period that starts with
    # the team's first meeting: the plan asks for 2 meetings.
    m1 = make_meeting(team, D(2026, 9, 3))
    m2 = make_meeting(team, D(2026, 9, 17))
    make_meeting(team, D(2026, 9, 24), status=Meeting.Status.CANCELLED)
    # Registered → discussed: 10, 4 (m1) and 7 days (m2). Median 7, p90 10.
    a = discussed_case(
        actor, m1, D(2026, 8, 24), ["fysioterapeut"], due=D(2026, 9, 10), given=D(2026, 9, 8)
    )
    b = discussed_case(
        actor,
        m1,
        D(2026, 8, 30),
        ["remiss_smarta", "lakare"],
        due=D(2026, 9, 10),
        given=D(2026, 9, 14),
    )
    c = discussed_case(
        actor, m2, D(2026, 9, 10), ["ingen"], due=D(2026, 9, 24)
    )  # still open, overdue
    assert {a.meeting_id, b.meeting_id, c.meeting_id} == {m1.pk, m2.pk}
    members = list(team.members.all())
    for meeting in (m1, m2):
        for member in members:
            mode = Attendance.Mode.ON_SITE
            if meeting == m2 and member.role == MbtRole.LAKARE:
                mode = Attendance.Mode.ABSENT
            Attendance.objects.create(meeting=meeting, member=member, mode=mode)

    figures = indicators.compute(team, D(2026, 9, 3), D(2026, 9, 30))
    assert (figures.planned, figures.held, figures.cancelled) == (2, 2, 1)
    assert figures.cases == 3 and figures.cases_per_meeting == 1.5
    assert (figures.registered_to_discussed.median, figures.registered_to_discussed.p90) == (7, 10)
    # Discussed → feedback: 5 days (a), 11 days (b). Median 8, p90 11.
    assert figures.discussed_to_feedback.count == 2
    assert (figures.discussed_to_feedback.median, figures.discussed_to_feedback.p90) == (8, 11)
    # Due: all three (c is overdue); on time: only a.
    assert (figures.feedback_on_time, figures.feedback_due) == (1, 3)
    assert figures.referred == 1 and figures.referred_share == pytest.approx(1 / 3)
    outcomes = dict(figures.outcomes)
    assert outcomes["Insats av fysioterapeut"] == 1 and outcomes["Remiss till Smärtcentrum"] == 1
    assert outcomes["Ingen åtgärd"] == 1 and outcomes["Insats av kurator"] == 0
    attendance = {role: (present, held) for role, present, held in figures.attendance}
    assert attendance["Läkare"] == (1, 2) and attendance["Rehabiliteringskoordinator"] == (2, 2)
    # The team's kurator counts for samtalsmottagningen.
    assert attendance["Samtalsmottagningen (kurator/psykolog)"] == (2, 2)


def test_plan_counts_from_the_teams_first_meeting_and_not_into_the_future(team):
    make_meeting(team, timezone.localdate() - datetime.timedelta(days=20))
    figures = indicators.compute(
        team,
        timezone.localdate() - datetime.timedelta(days=365),
        timezone.localdate() + datetime.timedelta(days=300),
    )
    assert figures.planned == 2


def test_percentile_nearest_rank():
    assert indicators.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert indicators.percentile([4], 0.9) == 4
    assert indicators.percentile([], 0.9) is None


def test_chart_is_accessible_svg():
    svg = str(bar_chart(chart_id="c", title="Utfall", items=[("Läkare", 3), ("Kurator", 0)]))
    assert 'role="img"' in svg and 'aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">Utfall</title>' in svg and "Läkare: 3; Kurator: 0" in svg
    assert "style=" not in svg and "<script" not in svg


def test_indicator_page_csv_permissions_and_bad_period(client, coordinator_client, team, unit):
    page = coordinator_client.get("/mbt/indikatorer/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    csv = coordinator_client.get("/mbt/indikatorer/?start=2026-01-01&end=2026-11-24&format=csv")
    text = csv.content.decode("utf-8-sig")
    assert text.startswith("Indikator;Värde") and "Hållna möten" in text
    bad = coordinator_client.get("/mbt/indikatorer/?start=2026-11-24&end=2026-01-01")
    assert (
        bad.status_code == 400
        and "Slutdatum kan inte ligga före startdatum" in bad.content.decode()
    )
    client.force_login(staff_at(unit))
    assert client.get("/mbt/indikatorer/").status_code == 403


def test_indicator_query_count_is_constant(coordinator_client, team, actor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            coordinator_client.get("/mbt/indikatorer/")
        return len(ctx)

    def add(weeks):
        meeting = make_meeting(team, timezone.localdate() - datetime.timedelta(weeks=2 * weeks))
        discussed_case(
            actor,
            meeting,
            timezone.localdate() - datetime.timedelta(weeks=2 * weeks + 1),
            ["lakare"],
            due=timezone.localdate(),
            given=timezone.localdate(),
        )

    add(1)  # with no meetings at all, Django skips the empty queries
    coordinator_client.get("/mbt/indikatorer/")
    few = count()
    for weeks in range(2, 9):
        add(weeks)
    assert count() == few
