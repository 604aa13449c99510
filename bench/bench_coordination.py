"""Benchmark: the follow-up list of sick-listed patients with 5,000 ongoing episodes at one unit
and 200,000 activities (each with its GC001 journal entry), plus the statistics page over them.
Prints median and p95 server time and the query counts.

    make bench   # or: python -m bench bench_coordination [--episodes N --activities N]
"""

from __future__ import annotations

import argparse
import datetime
import random
import time

from bench import bench_database, measure_pages


def seed(*, episodes: int, activities: int, seed_value: int = 11) -> dict:
    from django.utils import timezone

    from accounts.models import Assignment, CareUnit, Profession, User, Vardgivare
    from bench.bench_patients import identity_numbers
    from consent.models import Consent
    from coordination.models import (
        Activity,
        Episode,
        FollowUp,
        FollowUpReview,
        SickLeavePeriod,
    )
    from journal.models import CareRelation, JournalEntry, Patient

    rng = random.Random(seed_value)
    today = timezone.localdate()
    now = timezone.now()
    region = Vardgivare.objects.create(name="Bench region", kind="region", hsa_id="SE9990000555-K")
    unit = CareUnit.objects.create(vardgivare=region, name="Bench VC", hsa_id="SE9990005555-K")
    staff = User.objects.bulk_create(
        [
            User(
                username=f"coord{i}",
                first_name="Bench",
                last_name=f"Staff {i}",
                profession=Profession.REHABKOORDINATOR if i < 4 else Profession.LAKARE,
                password="!",  # noqa: S106 - an unusable password, as Django writes it
            )
            for i in range(8)
        ]
    )
    Assignment.objects.bulk_create(
        [Assignment(user=u, unit=unit, valid_from=datetime.date(2020, 1, 1)) for u in staff]
    )
    coordinators, doctors = staff[:4], staff[4:]
    patients = Patient.objects.bulk_create(
        [
            Patient(
                identity_kind=kind,
                identity_number=number,
                reserve_unit=unit if kind == "reservnummer" else None,
                first_name=rng.choice(["Anna", "Bo", "Cecilia", "David", "Eva", "Åsa", "Örjan"]),
                last_name=f"Bench{index:05d}",
            )
            for index, (kind, number) in enumerate(identity_numbers(episodes))
        ],
        batch_size=2000,
    )
    CareRelation.objects.bulk_create(
        [CareRelation(patient=p, unit=unit, created_by=coordinators[0]) for p in patients],
        batch_size=2000,
    )
    periods = []
    for patient in patients:
        start = today - datetime.timedelta(days=rng.randint(60, 400))
        middle = start + datetime.timedelta(days=rng.randint(20, 50))
        periods.append(
            SickLeavePeriod(
                patient=patient,
                unit=unit,
                start_date=start,
                end_date=middle,
                extent=100,
                occupation="anstalld",
                created_by=coordinators[0],
                created_at=now - datetime.timedelta(days=rng.randint(0, 30)),
            )
        )
        periods.append(
            SickLeavePeriod(
                patient=patient,
                unit=unit,
                start_date=middle + datetime.timedelta(days=rng.randint(1, 5)),
                end_date=today + datetime.timedelta(days=rng.randint(1, 90)),
                extent=rng.choice([25, 50, 75, 100]),
                occupation="anstalld",
                created_by=coordinators[0],
                created_at=now - datetime.timedelta(days=rng.randint(0, 30)),
            )
        )
    SickLeavePeriod.objects.bulk_create(periods, batch_size=5000)
    consents = Consent.objects.bulk_create(
        [
            Consent(
                patient=p,
                unit=unit,
                scope="koordinering",
                form="muntligt",
                given_on=today - datetime.timedelta(days=420),
                recorded_by=coordinators[0],
            )
            for p in patients
        ],
        batch_size=5000,
    )
    episode_rows = Episode.objects.bulk_create(
        [
            Episode(
                patient=p,
                unit=unit,
                responsible=coordinators[i % 4],
                started_on=today - datetime.timedelta(days=400),
                need="Stöd inför återgång i arbete.",
                assessed_by=doctors[i % 4],
                assessed_on=today - datetime.timedelta(days=401),
                consent=consent,
                next_follow_up=today + datetime.timedelta(days=rng.randint(-10, 30)),
                last_activity_on=today - datetime.timedelta(days=rng.randint(0, 60)),
                created_by=coordinators[0],
                created_at=now - datetime.timedelta(days=400),
            )
            for i, (p, consent) in enumerate(zip(patients, consents, strict=True))
        ],
        batch_size=5000,
    )
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                patient=p,
                unit=unit,
                status=rng.choice(["kontaktad", "aktiv", "uppfoljning"]),
                changed_by=coordinators[0],
            )
            for p in patients
        ],
        batch_size=5000,
    )
    per_episode = max(1, activities // max(1, episodes))
    kinds = ["personligt_stod", "intern_samordning", "samverkan"]
    made = 0
    batch = 20_000
    while made < activities:
        entries, rows = [], []
        for offset in range(min(batch, activities - made)):
            index = made + offset
            episode = episode_rows[(index // per_episode) % len(episode_rows)]
            day = today - datetime.timedelta(days=rng.randint(0, 365))
            kind = kinds[index % 2]  # samverkan needs an organisation; the bench leaves it out
            entries.append(
                JournalEntry(
                    patient_id=episode.patient_id,
                    unit=unit,
                    author=episode.responsible,
                    author_name="Bench",
                    author_profession="rehabkoordinator",
                    entry_type="koordineringsinsats",
                    kva_codes=["GC001"],
                    text="Koordineringsinsats.",
                    created_at=now,
                    updated_at=now,
                    signed_at=now,
                )
            )
            rows.append((episode, day, kind))
        entries = JournalEntry.objects.bulk_create(entries, batch_size=5000)
        Activity.objects.bulk_create(
            [
                Activity(
                    episode=episode,
                    unit=unit,
                    kind=kind,
                    performed_on=day,
                    minutes=30,
                    patient_contact=bool(offset % 3),
                    mode="telefon",
                    note="Samtal.",
                    performed_by=episode.responsible,
                    journal_entry=entry,
                )
                for offset, ((episode, day, kind), entry) in enumerate(
                    zip(rows, entries, strict=True)
                )
            ],
            batch_size=5000,
        )
        made += len(rows)
    FollowUpReview.objects.create(
        user=coordinators[0], unit=unit, reviewed_at=now - datetime.timedelta(days=7)
    )
    # As autovacuum would after such a load: without statistics PostgreSQL plans the unit's
    # subqueries as if the tables were empty (1.5 s instead of 10 ms for the periods).
    from django.db import connection

    with connection.cursor() as cursor:
        for model in (Patient, SickLeavePeriod, Consent, Episode, FollowUp, Activity, JournalEntry):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {"coordinator": coordinators[0], "colleague": coordinators[1]}


def run(*, episodes: int, activities: int, repeats: int) -> list[tuple[str, float, float, int]]:
    from django.test import Client

    started = time.perf_counter()
    data = seed(episodes=episodes, activities=activities)
    print(
        f"seeded {episodes} episodes and {activities} activities "
        f"in {time.perf_counter() - started:.1f} s"
    )
    client = Client()
    client.force_login(data["coordinator"])
    follow = f"/koordinering/?responsible={data['colleague'].pk}"
    pages = [
        ("follow-up list, longest first", client, "/koordinering/"),
        ("follow-up list, by name, page 40", client, "/koordinering/?sort=namn&page=40"),
        ("follow-up list, one responsible", client, follow),
        (
            "follow-up list, new, ends in 14 days",
            client,
            "/koordinering/?only_new=on&ends_within=14",
        ),
        ("follow-up list, CSV of all", client, "/koordinering/?format=csv"),
        ("statistics, twelve months", client, "/koordinering/statistik/"),
    ]
    return measure_pages(pages, repeats)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_coordination")
    parser.add_argument("--episodes", type=int, default=5000)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    with bench_database("atergang_bench_coordination"):
        run(episodes=args.episodes, activities=args.activities, repeats=args.repeats)
