"""Waiting for the helpers the tests start (the identity provider, gunicorn, Chromium, the live
server) to be ready: with a generous timeout, since a loaded machine can make a start that
normally takes a second take many, and with a report of what was seen when it fails.

HELPER_START_TIMEOUT (seconds, default 120) sets the timeout for all of them."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

START_TIMEOUT = float(os.environ.get("HELPER_START_TIMEOUT") or 120)


class HelperDidNotStart(RuntimeError):
    pass


class OutputReader:
    """Reads a helper's output, line by line, on a thread of its own, and keeps every line.

    A blocking read on a thread, not select() on the pipe: select() sees only the pipe, while
    readline() may already have pulled the next lines into Python's buffer. The test identity
    provider writes a warning and its "ready" line a millisecond apart; on a loaded machine both
    arrived in one read, "ready" sat unseen in the buffer, and select() waited out its timeout.
    """

    def __init__(self, stream, *, echo: str | None = None):
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._echo = echo
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in iter(stream.readline, ""):
            self.lines.append(line)
            self._queue.put(line)
            if self._echo is not None:
                print(f"[{self._echo}] {line}", end="", flush=True)
        self._queue.put(None)  # the helper closed its output: it has ended

    def wait_for(
        self, pattern: str, *, process: subprocess.Popen, what: str, timeout: float | None = None
    ) -> re.Match:
        """The first line matching pattern; HelperDidNotStart if the helper ends or the
        timeout passes first."""
        timeout = START_TIMEOUT if timeout is None else timeout
        started = time.monotonic()
        deadline = started + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                line = self._queue.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if line is None:
                break
            match = re.search(pattern, line)
            if match:
                return match
        raise HelperDidNotStart(
            self.report(what, process=process, waited=time.monotonic() - started, wanted=pattern)
        )

    def report(self, what: str, *, process: subprocess.Popen, waited: float, wanted: str) -> str:
        code = process.poll()
        state = "still running" if code is None else f"exited with code {code}"
        seen = "".join(self.lines[-40:]) or "(nothing)\n"
        return (
            f"{what} was not ready after {waited:.1f} s (waited for a line matching {wanted!r}); "
            f"the process is {state}. Its output:\n{seen}"
        )


def wait_for_http(
    url: str,
    *,
    what: str,
    alive: Callable[[], bool] = lambda: True,
    output: Callable[[], str] = lambda: "",
    timeout: float | None = None,
) -> float:
    """Polls url until it answers 200; returns the seconds it took. Fails at once if the
    helper has stopped (alive() is false), else after the timeout, saying what it last saw."""
    timeout = START_TIMEOUT if timeout is None else timeout
    started = time.monotonic()
    last = "no answer yet"
    while time.monotonic() - started < timeout:
        if not alive():
            last = "the process has exited"
            break
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return time.monotonic() - started
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}"
        except OSError as error:
            last = f"{type(error).__name__}: {error}"
        time.sleep(0.2)
    raise HelperDidNotStart(
        f"{what} did not answer 200 at {url} after {time.monotonic() - started:.1f} s "
        f"(last: {last}). Its output:\n{output() or '(nothing)'}"
    )
