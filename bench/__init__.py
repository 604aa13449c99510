"""Benchmarks: scripts that seed large data sets and print timings. Never part of `make test`;
each has a small-N smoke test that is."""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator


def timed(call: Callable[[int], object], repeats: int) -> tuple[float, float]:
    """Runs `call(i)` for i in range(repeats) (a benchmark may vary its input by i); returns the
    median and the p95 (nearest rank) in ms."""
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


@contextlib.contextmanager
def bench_database(name: str, *, keep: bool = False) -> Iterator[None]:
    """Sets Django up against a fresh database `name` (created like a test database, with
    migrations) and drops it afterwards unless `keep`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    connection.settings_dict["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        if not keep:
            connection.creation.destroy_test_db(name, verbosity=0)


def measure_pages(pages, repeats: int) -> list[tuple[str, float, float, int]]:
    """For each (label, client, url): the median and p95 ms of GET url, and its query count.
    Prints the table and returns the rows."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    results = []
    for label, client, url in pages:

        def call(_repetition=0, client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        call()
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            call()
        # Read the count now: the timed requests below reset the connection's query log.
        count = len(queries)
        results.append((label, *timed(call, repeats), count))
    width = max(len(label) for label, *_ in results) + 2
    print(f"{'what':{width}} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
    for label, median, p95, count in results:
        print(f"{label:{width}} {median:10.1f} {p95:10.1f} {count:8d}")
    return results
