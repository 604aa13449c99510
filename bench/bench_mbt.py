"""Benchmark: the MBT agenda page and the agenda PDF for a meeting with 20 cases.

Prints median and p95 server time for the agenda page, the internal and the external agenda
PDF (rendered by WeasyPrint), and the query count of the page.

    make bench   # or: python -m bench bench_mbt [--cases N --repeats N]
"""

from __future__ import annotations

import argparse

from bench import bench_database, timed


def seed(*, cases: int) -> dict:
    import datetime

    from django.utils import timezone

    from accounts.models import Assignment, CareUnit, Organisation, Profession, User, Vardgivare
    from bench.bench_patients import identity_numbers
    from consent import services as consent_services
    from journal import services as journal_services
    from journal.accesslog import Actor
    from mbt import services
    from mbt.models import MbtRole, Meeting
    from mbt.schedule import at_local

    vardgivare = Vardgivare.objects.create(
        name="Bench region", kind="region", hsa_id="SE9990000999-M"
    )
    unit = CareUnit.objects.create(
        vardgivare=vardgivare, name="Bench vårdcentral", hsa_id="SE9990001999-M"
    )
    users = []
    for index, (role, profession) in enumerate(
        [
            (MbtRole.REHABKOORDINATOR, Profession.REHABKOORDINATOR),
            (MbtRole.LAKARE, Profession.LAKARE),
            (MbtRole.FYSIOTERAPEUT, Profession.FYSIOTERAPEUT),
            (MbtRole.SAMTALSMOTTAGNING, Profession.KURATOR),
            (MbtRole.VARDADMINISTRATOR, Profession.VARDADMINISTRATOR),
        ]
    ):
        user = User.objects.create(
            username=f"mbtbench{index}",
            first_name="Bench",
            last_name=str(index),
            profession=profession,
        )
        Assignment.objects.create(user=user, unit=unit, valid_from=datetime.date(2020, 1, 1))
        users.append((user, role))
    actor = Actor(user=users[0][0], unit=unit, ip="127.0.0.1", request_id="bench")
    for user, role in users:
        services.member_add_internal(actor=actor, user=user, role=role)
    fk = Organisation.objects.create(name="Försäkringskassan (bench)", kind="fk")
    services.member_add_external(
        actor=actor, organisation=fk, name="Handläggare", email="", role=MbtRole.FK
    )
    day = timezone.localdate() + datetime.timedelta(days=21)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    meeting = Meeting.objects.create(
        team=services.team_for(unit),
        starts_at=at_local(day, datetime.time(13, 0)),
        length_minutes=240,
        chair=actor.user,
    )
    for index, (_kind, number) in enumerate(identity_numbers(cases)):
        patient = journal_services.patient_register(
            actor=actor, identity=number, first_name="Bench", last_name=f"Patient {index}"
        )
        if index % 4:
            consent_services.consent_give(
                actor=actor,
                patient=patient,
                scope="mbt",
                form="muntligt",
                given_on=timezone.localdate(),
            )
        case = services.case_register(
            actor=actor,
            patient=patient,
            meeting=meeting,
            question="Är multimodal rehabilitering aktuell? " * 3,
            background="Bakgrund. " * 20,
        )
        for user, _role in users[:3]:
            services.preparation_toggle(
                actor=Actor(user=user, unit=unit, ip="127.0.0.1", request_id="bench"), case=case
            )
    return {"user": actor.user, "meeting": meeting}


def run(*, cases: int, repeats: int) -> list[tuple[str, float, float]]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    data = seed(cases=cases)
    client = Client()
    client.force_login(data["user"])
    meeting = data["meeting"]
    page = f"/mbt/moten/{meeting.pk}/"
    pdf = f"/mbt/moten/{meeting.pk}/dagordning.pdf"

    def get(url):
        def call(_repetition=0):
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return call

    get(page)()  # warm up caches and WeasyPrint's fonts
    get(pdf)()
    # A request resets the query log; start it empty so the capture counts this request only.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        get(page)()
    results = [
        ("agenda page", *timed(get(page), repeats)),
        ("agenda PDF (internal)", *timed(get(pdf), repeats)),
        ("agenda PDF (external)", *timed(get(pdf + "?version=extern"), repeats)),
    ]
    print(f"meeting with {cases} cases; agenda page runs {len(queries)} queries")
    print(f"{'what':30} {'median ms':>10} {'p95 ms':>10}")
    for label, median, p95 in results:
        print(f"{label:30} {median:10.1f} {p95:10.1f}")
    return results


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_mbt")
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    with bench_database("atergang_bench_mbt"):
        run(cases=args.cases, repeats=args.repeats)
