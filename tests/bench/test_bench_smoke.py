"""The benchmarks run at small N, so a change that breaks them fails here, not at the next
`make bench`."""

import pytest
from django.db import transaction

from bench import bench_conference, bench_coordination, bench_mbt, bench_patients


@pytest.mark.django_db
def test_patient_benchmark_runs_at_small_scale(capsys):
    results = bench_patients.run(patients=400, rows=3_000, repeats=2, months=24)
    labels = [label for label, _, _ in results]
    assert "search by name" in labels and "log review: flag unusual volume" in labels
    assert "log extract of one patient (PDF)" in labels
    assert all(median > 0 and p95 >= median for _, median, p95 in results)
    assert "median ms" in capsys.readouterr().out


def test_identity_numbers_are_test_numbers_or_derived_from_them():
    numbers = bench_patients.identity_numbers(100_000)
    assert len({number for _, number in numbers}) == 100_000
    kinds = {kind for kind, _ in numbers}
    assert kinds == {"personnummer", "samordningsnummer", "reservnummer"}


@pytest.mark.django_db
def test_mbt_benchmark_runs_at_small_scale(capsys):
    results = bench_mbt.run(cases=3, repeats=1)
    assert [label for label, _, _ in results] == [
        "agenda page",
        "agenda PDF (internal)",
        "agenda PDF (external)",
    ]
    assert "agenda page runs" in capsys.readouterr().out


@pytest.mark.django_db
def test_conference_benchmark_runs_at_small_scale(capsys):
    results = bench_conference.run(units=2, weeks=8, repeats=1)
    assert len(results) == 4 and all(count > 0 for *_, count in results)


@pytest.mark.django_db
def test_coordination_benchmark_runs_at_small_scale(capsys):
    results = bench_coordination.run(episodes=30, activities=300, repeats=1)
    labels = [label for label, *_ in results]
    assert labels[0] == "follow-up list, longest first" and "statistics, twelve months" in labels
    assert all(count > 0 for *_, count in results)
    assert "seeded 30 episodes and 300 activities" in capsys.readouterr().out


class _Rollback(Exception):
    pass


def _query_counts_then_roll_back(**sizes) -> list[int]:
    try:
        with transaction.atomic():
            results = bench_coordination.run(repeats=1, **sizes)
            raise _Rollback
    except _Rollback:
        return [count for *_, count in results]


@pytest.mark.django_db
def test_coordination_benchmark_query_counts_do_not_grow_with_the_unit():
    """The benchmark's requirement, asserted at small scale: every page it measures costs the
    same number of queries for 20 episodes as for 80 with ten times the activities."""
    small = _query_counts_then_roll_back(episodes=20, activities=100)
    large = _query_counts_then_roll_back(episodes=80, activities=1000)
    assert small == large
