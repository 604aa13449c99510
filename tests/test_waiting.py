"""tests/waiting.py: the suite's helpers are waited for by what they print or answer, with a
report of what was seen when they are not ready."""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.waiting import HelperDidNotStart, OutputReader


def start(script: str) -> tuple[subprocess.Popen, OutputReader]:
    process = subprocess.Popen(
        ["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return process, OutputReader(process.stdout)


def test_a_ready_line_written_together_with_the_line_before_is_seen():
    # How the identity provider stalled for 20 s on a loaded machine: a warning and "ready"
    # arrived in one read, and "ready" waited unseen in Python's buffer.
    process, output = start("printf 'oidc-provider WARNING: x\\nready 4242\\n'; sleep 30")
    try:
        began = time.monotonic()
        match = output.wait_for(r"^ready (\d+)$", process=process, what="Provider", timeout=10)
        assert match.group(1) == "4242" and time.monotonic() - began < 5
    finally:
        process.kill()
        process.wait()


def test_a_helper_that_ends_is_reported_at_once_with_its_output():
    process, output = start("echo 'Error: cannot find module oidc-provider'; exit 3")
    began = time.monotonic()
    with pytest.raises(HelperDidNotStart) as raised:
        output.wait_for(r"^ready", process=process, what="Provider", timeout=60)
    assert time.monotonic() - began < 10
    process.wait()
    message = str(raised.value)
    assert "cannot find module oidc-provider" in message
    assert "exited with code 3" in message or "still running" in message


def test_a_helper_that_never_gets_ready_is_reported_after_the_timeout():
    process, output = start("echo 'starting'; sleep 30")
    try:
        with pytest.raises(HelperDidNotStart, match=r"not ready after 1\.\d s.*still running"):
            output.wait_for(r"^ready", process=process, what="Provider", timeout=1)
    finally:
        process.kill()
        process.wait()
