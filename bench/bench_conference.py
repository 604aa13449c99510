"""Benchmark: the conference page, the start page and the quality indicators over two years of a
region's meetings (20 units, a meeting every other week, five discussed cases each, with
attendance and feedback tasks). Prints median and p95 server time and the query counts.

    make bench   # or: python -m bench bench_conference [--units N --weeks N --repeats N]
"""

from __future__ import annotations

import argparse
import datetime
import time

from bench import bench_database, measure_pages


def seed(*, units: int, weeks: int, cases_per_meeting: int = 5) -> dict:
    from django.utils import timezone

    from accounts.models import Assignment, CareUnit, Profession, User, Vardgivare
    from bench.bench_patients import identity_numbers
    from journal.models import CareRelation, JournalEntry, Patient
    from mbt.models import (
        REQUIRED_ROLES,
        Attendance,
        CaseReferral,
        Discussion,
        FeedbackTask,
        Meeting,
        Team,
        TeamMember,
    )
    from mbt.schedule import at_local

    region = Vardgivare.objects.create(name="Bench region", kind="region", hsa_id="SE9990000777-C")
    professions = [
        Profession.REHABKOORDINATOR,
        Profession.LAKARE,
        Profession.FYSIOTERAPEUT,
        Profession.KURATOR,
        Profession.VARDADMINISTRATOR,
    ]
    numbers = iter(identity_numbers(units * (weeks // 2 + 2) * (cases_per_meeting + 1)))
    today = timezone.localdate()
    first_day = today - datetime.timedelta(weeks=weeks)
    result = {}
    for u in range(units):
        unit = CareUnit.objects.create(
            vardgivare=region, name=f"Bench VC {u:02d}", hsa_id=f"SE9990002{u:03d}-C"
        )
        users = User.objects.bulk_create(
            [
                User(
                    username=f"conf{u}-{i}",
                    first_name="Bench",
                    last_name=f"{u}-{i}",
                    profession=p,
                    password="!",  # noqa: S106 (an unusable password, as Django writes it)
                )
                for i, p in enumerate(professions)
            ]
        )
        Assignment.objects.bulk_create(
            [
                Assignment(user=user, unit=unit, valid_from=datetime.date(2020, 1, 1))
                for user in users
            ]
        )
        team = Team.objects.create(unit=unit)
        members = TeamMember.objects.bulk_create(
            [
                TeamMember(team=team, user=user, role=role)
                for user, role in zip(users, REQUIRED_ROLES, strict=True)
            ]
        )
        coordinator, doctor = users[0], users[1]
        meetings = Meeting.objects.bulk_create(
            [
                Meeting(
                    team=team,
                    starts_at=at_local(
                        first_day + datetime.timedelta(days=14 * k), datetime.time(13, 0)
                    ),
                    chair=coordinator,
                    status=Meeting.Status.CLOSED,
                    closed_at=at_local(
                        first_day + datetime.timedelta(days=14 * k), datetime.time(14, 0)
                    ),
                )
                for k in range(weeks // 2)
            ]
        )
        upcoming = Meeting.objects.create(
            team=team,
            starts_at=at_local(today + datetime.timedelta(days=7), datetime.time(13, 0)),
            chair=coordinator,
        )
        patients, cases, entries = [], [], []
        for meeting in [*meetings, upcoming]:
            for c in range(cases_per_meeting + (3 if meeting is upcoming else 0)):
                kind, number = next(numbers)
                patients.append(
                    Patient(
                        identity_kind=kind,
                        identity_number=number,
                        reserve_unit=unit if kind == "reservnummer" else None,
                        first_name="Bench",
                        last_name=f"P{u}-{meeting.pk}-{c}",
                    )
                )
        patients = Patient.objects.bulk_create(patients, batch_size=2000)
        CareRelation.objects.bulk_create(
            [CareRelation(patient=p, unit=unit, created_by=coordinator) for p in patients],
            batch_size=2000,
        )
        it = iter(patients)
        for meeting in [*meetings, upcoming]:
            for position in range(cases_per_meeting + (3 if meeting is upcoming else 0)):
                patient = next(it)
                cases.append(
                    CaseReferral(
                        unit=unit,
                        meeting=meeting,
                        patient=patient,
                        registrant=doctor,
                        registered_at=meeting.starts_at - datetime.timedelta(days=8),
                        question="Behov av fysioterapi och koordineringsinsatser?",
                        state=CaseReferral.State.REGISTERED
                        if meeting is upcoming
                        else CaseReferral.State.DISCUSSED,
                        position=position + 1,
                    )
                )
        cases = CaseReferral.objects.bulk_create(cases, batch_size=2000)
        discussed = [c for c in cases if c.state == CaseReferral.State.DISCUSSED]
        Discussion.objects.bulk_create(
            [
                Discussion(
                    case=c, summary="Diskuterat.", outcomes=["fysioterapeut"], saved_by=coordinator
                )
                for c in cases
            ],
            batch_size=2000,
        )
        for case in discussed:
            entries.append(
                JournalEntry(
                    patient=case.patient,
                    unit=unit,
                    author=doctor,
                    author_name="Bench",
                    author_profession="lakare",
                    entry_type="mbt_konferens",
                    text="Utkast",
                )
            )
        entries = JournalEntry.objects.bulk_create(entries, batch_size=2000)
        tasks = []
        for index, (case, entry) in enumerate(zip(discussed, entries, strict=True)):
            held = timezone.localtime(case.meeting.starts_at).date()
            done = index % 4 != 0
            tasks.append(
                FeedbackTask(
                    case=case,
                    owner=doctor,
                    due_on=held + datetime.timedelta(days=7),
                    conference_entry=entry,
                    method="telefon" if done else "",
                    given_on=held + datetime.timedelta(days=3) if done else None,
                    feedback_entry=entry if done else None,
                    done_at=case.meeting.starts_at if done else None,
                )
            )
        FeedbackTask.objects.bulk_create(tasks, batch_size=2000)
        Attendance.objects.bulk_create(
            [
                Attendance(meeting=m, member=member, mode="plats")
                for m in meetings
                for member in members
            ],
            batch_size=2000,
        )
        if u == 0:
            result = {"coordinator": coordinator, "doctor": doctor, "upcoming": upcoming}
    return result


def run(*, units: int, weeks: int, repeats: int) -> list[tuple[str, float, float, int]]:
    from django.test import Client
    from django.utils import timezone

    started = time.perf_counter()
    data = seed(units=units, weeks=weeks)
    print(f"seeded {units} units × {weeks} weeks in {time.perf_counter() - started:.1f} s")
    coordinator = Client()
    coordinator.force_login(data["coordinator"])
    doctor = Client()
    doctor.force_login(data["doctor"])
    today = timezone.localdate()
    start = today - datetime.timedelta(weeks=weeks)
    pages = [
        ("conference page (8 cases)", coordinator, f"/mbt/moten/{data['upcoming'].pk}/konferens/"),
        ("start page, coordinator", coordinator, "/"),
        ("start page, registrant with tasks", doctor, "/"),
        (
            "indicators, two years",
            coordinator,
            f"/mbt/indikatorer/?start={start}&end={today}",
        ),
    ]
    return measure_pages(pages, repeats)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_conference")
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    with bench_database("atergang_bench_conference"):
        run(units=args.units, weeks=args.weeks, repeats=args.repeats)
