"""The benchmarks run at small N, so a change that breaks them fails here, not at the next
`make bench`."""

import pytest

from bench import bench_conference, bench_mbt, bench_patients


@pytest.mark.django_db
def test_patient_benchmark_runs_at_small_scale(capsys):
    results = bench_patients.run(patients=400, rows=3_000, repeats=2)
    labels = [label for label, _, _ in results]
    assert "search by name" in labels and "log review: flag unusual volume" in labels
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
