"""Benchmark: patient search and log review at scale.

Seeds 100 000 patients over 20 units (Skatteverket's test personnummer, samordningsnummer derived
from them, and reservnummer for the rest: never made-up personnummer) and 1 000 000 access-log
rows over a year, then prints median and p95 server time (the whole Django request, in process)
for patient search by number and by name, for log review with each filter, and for a patient's
log extract (PDF).

    make bench                      # or: python -m bench bench_patients [--patients N --rows N]
    python -m bench bench_patients --rows 10000000 --months 24 --units 100   # national scale

It runs in a database of its own (atergang_bench), created and dropped around the run.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from bench import bench_database, timed

UNITS = 20
STAFF_PER_UNIT = 10


def names() -> tuple[list[str], list[str]]:
    """The demo's names, narrowed on purpose: common names make the name search's worst case."""
    from journal.demo import FIRST_NAMES, LAST_NAMES

    return FIRST_NAMES[:10], LAST_NAMES[:20]


def _luhn(nine: str) -> int:
    from journal.personnummer import luhn_check_digit

    return luhn_check_digit(nine)


def identity_numbers(count: int) -> list[tuple[str, str]]:
    """(kind, number): test personnummer, then samordningsnummer derived from them (day + 60,
    new check digit), then reservnummer."""
    path = Path(__file__).resolve().parents[1] / "data" / "testpersonnummer.txt"
    numbers = [
        line.strip() for line in path.read_text().splitlines() if line.strip() and line[0] != "#"
    ]
    result = [("personnummer", n) for n in numbers]
    for n in numbers:
        nine = f"{n[2:6]}{int(n[6:8]) + 60:02d}{n[8:11]}"
        result.append(("samordningsnummer", f"{n[:6]}{int(n[6:8]) + 60:02d}{n[8:11]}{_luhn(nine)}"))
    serial = 0
    while len(result) < count:
        serial += 1
        result.append(("reservnummer", f"RB-{serial:07d}"))
    return result[:count]


def seed(
    *, patients: int, rows: int, months: int = 12, units: int = UNITS, seed_value: int = 7
) -> dict:
    """Bulk-loads the data set into the current database; returns what the timings need."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from accounts.models import Assignment, CareUnit, Role, User, Vardgivare
    from journal.models import AccessLog, CareRelation, Patient

    rng = random.Random(seed_value)  # noqa: S311 - benchmark data
    first_names, last_names = names()
    vardgivare = [
        Vardgivare.objects.create(
            name=f"Bench region {i}", kind="region", hsa_id=f"SE9990000{i:03d}-B"
        )
        for i in range(2)
    ]
    units_count = units
    units = [
        CareUnit.objects.create(
            vardgivare=vardgivare[i % 2],
            name=f"Bench vårdcentral {i:02d}",
            hsa_id=f"SE9990001{i:03d}-B",
        )
        for i in range(units_count)
    ]
    password = "!"  # noqa: S105 - an unusable password: the benchmark logs in with force_login
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench{u}-{s}",
                first_name="Bench",
                last_name=f"User {u}-{s}",
                profession="lakare",
                password=password,
            )
            for u in range(units_count)
            for s in range(STAFF_PER_UNIT)
        ]
    )
    start = datetime.date(2020, 1, 1)
    Assignment.objects.bulk_create(
        [
            Assignment(
                user=user,
                unit=units[i // STAFF_PER_UNIT],
                valid_from=start,
                role=Role.MANAGER if i % STAFF_PER_UNIT == 0 else Role.CARE,
            )
            for i, user in enumerate(users)
        ]
    )
    now = timezone.now()
    batch = []
    for kind, number in identity_numbers(patients):
        batch.append(
            Patient(
                identity_kind=kind,
                identity_number=number,
                reserve_unit=units[0] if kind == "reservnummer" else None,
                first_name=rng.choice(first_names),
                last_name=rng.choice(last_names),
                protected_identity=rng.random() < 0.01,
                created_at=now,
            )
        )
    created = Patient.objects.bulk_create(batch, batch_size=5000)
    relations = []
    for i, patient in enumerate(created):
        relations.append(
            CareRelation(
                patient=patient, unit=units[i % units_count], created_by=users[0], created_at=now
            )
        )
        if i % 20 == 0:  # some patients at two units
            relations.append(
                CareRelation(
                    patient=patient,
                    unit=units[(i + 1) % units_count],
                    created_by=users[0],
                    created_at=now,
                )
            )
    CareRelation.objects.bulk_create(relations, batch_size=5000)

    # The access log, generated inside PostgreSQL: `months` of rows, each user reading patients of
    # their own unit, about 2 % outside office hours, some without a care relation. Its monthly
    # partitions exist for all of them, as the nightly job and the migration make them.
    first_patient = created[0].pk
    first_user = users[0].pk
    first_unit = units[0].pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT journal_accesslog_ensure_partitions(12, (now() - %s::interval)::date)",
            [f"{months} months"],
        )
        cursor.execute(
            f"""
            INSERT INTO {AccessLog._meta.db_table}
                (at, user_id, unit_id, patient_id, action, what, purpose, ip, request_id,
                 has_care_relation, protected_identity, outside_office_hours)
            SELECT
                now() - (random() * %(span)s::interval),
                %(first_user)s + (g %% {units_count * STAFF_PER_UNIT}),
                %(first_unit)s + ((g %% {units_count * STAFF_PER_UNIT}) / {STAFF_PER_UNIT}),
                %(first_patient)s + ((g::bigint * 7919) %% %(patients)s),
                (ARRAY['read','read','read','search','create','update','print'])[1 + (g %% 7)],
                'patientöversikt', 'vård och behandling', '10.0.0.1', 'bench',
                (g %% 97) <> 0, (g %% 101) = 0, (g %% 50) = 0
            FROM generate_series(1, %(rows)s) AS g
            """,
            {
                "first_user": first_user,
                "first_unit": first_unit,
                "first_patient": first_patient,
                "patients": len(created),
                "rows": rows,
                "span": f"{months} months",
            },
        )
        cursor.execute(f"ANALYZE {AccessLog._meta.db_table}")
        cursor.execute(f"ANALYZE {Patient._meta.db_table}")
        cursor.execute(f"ANALYZE {CareRelation._meta.db_table}")
    busy_unit = units[3]
    sample = list(created[3::units_count][:50])
    return {
        "units": units,
        "users": users,
        "clinician": users[3 * STAFF_PER_UNIT + 1],
        "manager": users[3 * STAFF_PER_UNIT],
        "unit": busy_unit,
        "sample": sample,
    }


def measure(data: dict, *, repeats: int) -> list[tuple[str, float, float]]:
    import datetime

    from django.test import Client
    from django.utils import timezone

    from accounts.middleware import SESSION_ACTIVE_UNIT

    def client_for(user):
        client = Client()
        client.force_login(user)
        session = client.session
        session[SESSION_ACTIVE_UNIT] = data["unit"].pk
        session.save()
        return client

    clinician = client_for(data["clinician"])
    manager = client_for(data["manager"])
    sample = data["sample"]
    _, last_names = names()
    today = timezone.localdate()
    week = (today - datetime.timedelta(days=6)).isoformat()
    results = []

    def check(response):
        assert response.status_code == 200, response.status_code

    def search_number(i):
        patient = sample[i % len(sample)]
        check(clinician.post("/patienter/", {"q": patient.identity_number}))

    def search_name(i):
        check(clinician.post("/patienter/", {"q": last_names[i % len(last_names)].lower()}))

    def search_misspelled(i):
        check(
            clinician.post("/patienter/", {"q": last_names[i % len(last_names)].lower()[:-1] + "x"})
        )

    results.append(("search by personnummer", *timed(search_number, repeats)))
    results.append(("search by name", *timed(search_name, repeats)))
    results.append(("search by misspelled name", *timed(search_misspelled, repeats)))

    base = {"date_from": week, "date_to": today.isoformat()}
    filters = {
        "log review: last 7 days": {},
        "log review: one user": {"user": data["clinician"].pk},
        "log review: one patient": {"patient": sample[0].identity_number},
        "log review: action print": {"action": "print"},
        "log review: flag protected identity": {"flags": ["skyddad"]},
        "log review: flag no care relation": {"flags": ["utan_vardrelation"]},
        "log review: flag outside office hours": {"flags": ["utanfor_kontorstid"]},
        "log review: flag unusual volume": {"flags": ["ovanlig_volym"]},
        "log review: 365 days, page 5": {
            "date_from": (today - datetime.timedelta(days=364)).isoformat(),
            "page": 5,
        },
    }
    for label, extra in filters.items():
        results.append(
            (
                label,
                *timed(
                    lambda i, e=extra: check(manager.post("/logguppfoljning/", {**base, **e})),
                    repeats,
                ),
            )
        )

    def extract(i):
        patient = sample[i % len(sample)]
        response = manager.post(
            "/logguppfoljning/loggutdrag/", {"identity": patient.identity_number}
        )
        check(response)
        assert response["Content-Type"] == "application/pdf"

    results.append(("log extract of one patient (PDF)", *timed(extract, repeats)))
    return results


def run(
    *, patients: int, rows: int, repeats: int, months: int = 12, units: int = UNITS
) -> list[tuple[str, float, float]]:
    """Seeds and measures in the current database."""
    started = time.perf_counter()
    data = seed(patients=patients, rows=rows, months=months, units=units)
    seconds = time.perf_counter() - started
    print(
        f"seeded {patients} patients at {units} units and {rows} access-log rows over "
        f"{months} months in {seconds:.1f} s"
    )
    results = measure(data, repeats=repeats)
    print(f"{'what':45} {'median ms':>10} {'p95 ms':>10}")
    for label, median, p95 in results:
        print(f"{label:45} {median:10.1f} {p95:10.1f}")
    return results


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_patients")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--months", type=int, default=12, help="months the log rows spread over")
    parser.add_argument("--units", type=int, default=UNITS, help="care units (10 staff each)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the atergang_bench database for EXPLAIN"
    )
    args = parser.parse_args(argv)

    with bench_database("atergang_bench", keep=args.keep):
        run(
            patients=args.patients,
            rows=args.rows,
            repeats=args.repeats,
            months=args.months,
            units=args.units,
        )
