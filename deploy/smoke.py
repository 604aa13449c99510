#!/usr/bin/env python3
"""The production smoke run: logs in over HTTP as staff do (password, then the code from the
authenticator app) and opens every page of the main navigation, the pages, PDFs, CSV files and
calendar files reachable from them, and every static file those pages use.

    python deploy/smoke.py https://atergang-test.region.se
    python deploy/smoke.py http://127.0.0.1:8000 --user kerstin --user anders

It fails (exit status 1) on any 5xx, a PDF that pypdf cannot read or that was made without its
stylesheet, a CSV or calendar file that is not one, a static file that does not answer 200, a
login that does not work, or a session that ends on the way. `make test` runs it against
gunicorn with DEBUG off and the manifest storage (tests/smoke/); docs/operations.md says how to
run it against an installation.

The users are demo users (manage.py seed_demo --force): SMOKE_PASSWORD and SMOKE_TOTP_KEY (the
authenticator key, base32) default to the demo's. What it reads stays in memory: the report
names URLs, which never carry patient data, and never what a page or document says.

It uses requests and pypdf only, both in the app's requirements: any Python 3.12+ with them
runs it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import os
import re
import struct
import sys
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

DEMO_PASSWORD = "demo-atergang-2026"  # noqa: S105 - the demo's, as accounts/demo.py documents
DEMO_TOTP_KEY = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
# One user of each kind of assignment: vård och behandling (the coordinator, who also follows
# up sick leave), vårdadministration, verksamhetschef (log review), and the system
# administrator (the Django admin only).
DEFAULT_USERS = ("kerstin", "maria", "anders", "admin")
MAX_DEPTH = 3  # links followed from a page of the main navigation
MAX_PAGES = 400  # per user: a guard against a crawl that never ends
# Pages that differ only by ids (/mbt/moten/12/, /mbt/moten/13/) are opened up to this many
# times per user when a page of the main navigation links to them: the meetings, patients and
# episodes in its lists differ (a closed meeting has minutes, an episode a plan). Deeper down,
# what differs is one record's pages (its history, its edit form): a few are enough.
PER_SHAPE = int(os.environ.get("SMOKE_PER_SHAPE") or 20)
DEEP_PER_SHAPE = 3
LOGIN = "/accounts/login/"
SECOND_FACTOR = "/accounts/tvafaktor/"
CHOOSE_UNIT = "/accounts/enhet/"
# Never followed: they end the session, leave the app, or only redirect.
SKIPPED = re.compile(r"^(/accounts/logout/|/accounts/oidc/|/admin/logout/|/admin/r/)")
# The admin's own filter and sort links (/admin/…?…) are Django's, not ours: not followed.
ADMIN_QUERY = re.compile(r"^/admin/.*\?")
# POST forms that make a document from a personnummer typed by the user: the smoke run types
# one it has seen on an earlier page of the same user.
DOCUMENT_FORMS = {"/logguppfoljning/loggutdrag/": "identity"}
# The personal calendar feed: its secret is in the URL, so the report never shows that URL.
CALENDAR = "/mbt/kalender/"
FEED = re.compile(r"/mbt/kalender/(?P<secret>[A-Za-z0-9_-]{20,})\.ics")
PERSONNUMMER = re.compile(r"\b(?:19|20)\d{6}-\d{4}\b")
DOCUMENT_TYPES = {"application/pdf": "pdf", "text/csv": "csv", "text/calendar": "ics"}


def totp(key_base32: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows (RFC 6238, SHA-1)."""
    key = base64.b32decode(key_base32.upper() + "=" * (-len(key_base32) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


def server_time(response) -> float:
    """The server's clock, from the answer's Date header: the code must be the one the server
    expects, whatever this machine's clock says (and an app server's clock is kept right)."""
    try:
        return parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return time.time()


# --- Reading pages ---------------------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # (name, value, marked data-native-submit: a download) of each named submit button
    buttons: list[tuple[str, str, bool]] = field(default_factory=list)
    _select: str | None = None
    _options: list[tuple[str, bool]] = field(default_factory=list)
    _radios: dict[str, str] = field(default_factory=dict)


class PageParser(HTMLParser):
    """Links, the main navigation's links, static assets and forms of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.nav_links: list[str] = []
        self.assets: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._in_nav = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and (self._in_nav or "main-nav" in (a.get("class") or "").split()):
            self._in_nav += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if self._in_nav:
                self.nav_links.append(a["href"])
        elif (
            tag == "link"
            and a.get("href")
            and {"stylesheet", "icon"} & set((a.get("rel") or "").split())
        ):
            self.assets.append(a["href"])
        elif tag in ("script", "img") and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "form":
            self._form = Form(method=(a.get("method") or "get").lower(), action=a.get("action", ""))
            self.forms.append(self._form)
        elif self._form is not None:
            self._form_field(tag, a)

    def _form_field(self, tag, a):
        form = self._form
        name = a.get("name")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                if kind == "submit" and name:
                    form.buttons.append((name, a.get("value", ""), "data-native-submit" in a))
                return
            if not name:
                return
            if kind == "checkbox":
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind == "radio":
                if "checked" in a or name not in form._radios:
                    form._radios[name] = a.get("value", "on")
            else:
                form.fields.append((name, a.get("value", "")))
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            if name:
                form.buttons.append((name, a.get("value", ""), "data-native-submit" in a))
        elif tag == "select" and name:
            form._select, form._options = name, []
        elif tag == "option" and form._select is not None:
            form._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            form.fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "nav" and self._in_nav:
            self._in_nav -= 1
        elif tag == "select" and self._form is not None and self._form._select:
            chosen = [v for v, selected in self._form._options if selected]
            values = chosen or [v for v, _ in self._form._options[:1]]
            self._form.fields.extend((self._form._select, v) for v in values)
            self._form._select = None
        elif tag == "form" and self._form is not None:
            self._form.fields.extend(self._form._radios.items())
            self._form = None


# --- The run ---------------------------------------------------------------------------------


@dataclass
class Visit:
    user: str
    method: str
    url: str  # a path and query: never patient data (docs/decisions/0001)
    status: int
    kind: str  # page, pdf, csv, ics, static, other
    seconds: float


@dataclass
class Report:
    visits: list[Visit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Secrets the run made (the calendar feed's): for a caller to look for in logs; not shown.
    secrets: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def documents(self, kind: str | None = None) -> list[Visit]:
        kinds = {kind} if kind else set(DOCUMENT_TYPES.values())
        return [v for v in self.visits if v.kind in kinds and v.status == 200]

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for visit in self.visits:
            counts[visit.kind] = counts.get(visit.kind, 0) + 1
        users = sorted({v.user for v in self.visits if v.user})
        slowest = sorted(self.visits, key=lambda v: v.seconds, reverse=True)[:5]
        lines = [
            f"Smoke run: {len(self.visits)} requests as {', '.join(users) or 'nobody'}: "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())),
            "Slowest: "
            + ", ".join(f"{v.method} {v.url} {v.seconds:.2f} s ({v.user})" for v in slowest),
        ]
        lines += [f"Note: {note}" for note in self.notes]
        lines += [f"PROBLEM: {problem}" for problem in self.problems]
        lines.append("OK" if self.ok else f"FAILED: {len(self.problems)} problem(s)")
        return "\n".join(lines)


def _shape(url: str) -> str:
    """Pages that differ only by ids count once: /mbt/moten/12/ and /mbt/moten/13/ are one."""
    parts = urlsplit(url)
    query = sorted((k, re.sub(r"\d+", "#", v)) for k, v in parse_qsl(parts.query, True))
    return re.sub(r"\d+", "#", parts.path) + "?" + urlencode(query)


class UserRun:
    def __init__(
        self,
        base: str,
        user: str,
        password: str,
        totp_key: str,
        report: Report,
        checked_static: set[str],
        *,
        per_shape: int,
        timeout: float,
    ):
        self.base = base.rstrip("/")
        self.origin = urlsplit(self.base)
        self.user = user
        self.password = password
        self.totp_key = totp_key
        self.report = report
        self.checked_static = checked_static
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "Atergang-smoke/1"
        self.shapes: set[str] = set()
        self.visited: set[str] = set()
        self.shape_count: Counter[str] = Counter()
        self.document_shapes: set[str] = set()
        self.signatures: set[tuple] = set()
        self.per_shape = per_shape
        self.personnummer: str | None = None
        self.pages = 0
        self.landing = "/"  # where the login sends the user
        self.last_visit: Visit | None = None

    # -- requests --

    def _local(self, url: str, page: str = "/") -> str | None:
        """The path and query of a link (on the page at path `page`) into the app, or None for
        anything else."""
        absolute = urljoin(self.base + page, url)
        parts = urlsplit(absolute)
        if parts.scheme != self.origin.scheme or parts.netloc != self.origin.netloc:
            return None
        return urlunsplit(("", "", parts.path, parts.query, ""))

    def request(
        self,
        method: str,
        path: str,
        *,
        data=None,
        referer: str | None = None,
        shown_as: str | None = None,
        anonymous: bool = False,
    ):
        """One request, recorded in the report under its path (or shown_as, for a path that
        holds a secret)."""
        headers = {"Referer": self.base + referer} if referer else {}
        started = time.monotonic()
        client = requests if anonymous else self.http
        try:
            response = client.request(
                method,
                self.base + path,
                data=data,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            shown = shown_as or path
            self.report.problems.append(f"{self.user}: {method} {shown}: {type(error).__name__}")
            return None
        path = shown_as or path
        seconds = time.monotonic() - started
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        kind = DOCUMENT_TYPES.get(content_type) or (
            "page" if content_type == "text/html" else "other"
        )
        # This user's last visit; the report's list is shared with the users run beside it.
        self.last_visit = Visit(self.user, method, path, response.status_code, kind, seconds)
        self.report.visits.append(self.last_visit)
        if response.status_code >= 500:
            request_id = response.headers.get("X-Request-ID", "-")
            self.report.problems.append(
                f"{self.user}: {method} {path} answered {response.status_code} "
                f"(request id {request_id})"
            )
        return response

    def follow(self, method: str, path: str, **kwargs):
        """The request, and the redirects after it (GET), within the app."""
        response = self.request(method, path, **kwargs)
        for _ in range(10):
            if response is None or response.status_code not in (301, 302, 303, 307, 308):
                return response, path
            target = self._local(response.headers.get("Location", ""))
            if target is None:
                self.report.notes.append(f"{self.user}: {path} redirects out of the app")
                return None, path
            if target.startswith(LOGIN) and not path.startswith(LOGIN):
                self.report.problems.append(
                    f"{self.user}: {path} sent a logged-in user to the login page"
                )
                return None, path
            path = target
            response = self.request("GET", path, referer=path)
        return response, path

    # -- logging in --

    def _form(self, html: str, action_prefix: str) -> Form | None:
        parser = PageParser()
        parser.feed(html)
        return next(
            (
                f
                for f in parser.forms
                if f.method == "post" and (self._local(f.action) or "").startswith(action_prefix)
            ),
            None,
        )

    def login(self) -> bool:
        page = self.request("GET", LOGIN)
        form = page is not None and self._form(page.text, LOGIN)
        if not form:
            self.report.problems.append(f"{self.user}: no login form at {LOGIN}")
            return False
        data = [(k, v) for k, v in form.fields if k not in ("username", "password")]
        data += [("username", self.user), ("password", self.password)]
        response = self.request("POST", LOGIN, data=data, referer=LOGIN)
        if response is None or response.status_code != 302:
            self.report.problems.append(f"{self.user}: the password was not accepted")
            return False
        for attempt in range(2):
            page = self.request("GET", SECOND_FACTOR)
            form = page is not None and self._form(page.text, SECOND_FACTOR)
            if not form:
                self.report.problems.append(f"{self.user}: no second-factor form")
                return False
            now = server_time(page)
            data = [(k, v) for k, v in form.fields if k != "code"]
            data.append(("code", totp(self.totp_key, at=now)))
            response = self.request("POST", SECOND_FACTOR, data=data, referer=SECOND_FACTOR)
            if response is not None and response.status_code == 302:
                break
            if attempt == 0:
                # A code works once: a run within the same 30 s already used it. Wait for the next.
                time.sleep(30 - now % 30 + 1)
        else:
            self.report.problems.append(f"{self.user}: the authenticator code was not accepted")
            return False
        target = self._local(response.headers.get("Location", "/")) or "/"
        self.landing = target
        if target.startswith(CHOOSE_UNIT):
            page = self.request("GET", target)
            form = page is not None and self._form(page.text, CHOOSE_UNIT)
            if not form:
                self.report.problems.append(f"{self.user}: no form to choose a unit")
                return False
            chosen = self.request("POST", CHOOSE_UNIT, data=form.fields, referer=target)
            location = chosen is not None and chosen.headers.get("Location")
            self.landing = (location and self._local(location)) or "/"
        return True

    # -- crawling --

    def run(self) -> None:
        if not self.login():
            return
        start, path = self.follow("GET", self.landing)
        if start is None or start.status_code != 200:
            self.report.problems.append(f"{self.user}: the start page did not open after login")
            return
        parser = PageParser()
        parser.feed(start.text)
        nav = [p for p in (self._local(h) for h in parser.nav_links) if p] or [path]
        queue = deque((p, 0, path) for p in nav)
        self.report.notes.append(f"{self.user}: main navigation {', '.join(nav)}")
        while queue:
            path, depth, referer = queue.popleft()
            shape = _shape(path)
            if (
                SKIPPED.match(path)
                or ADMIN_QUERY.match(path)
                or path in self.visited
                or shape in self.document_shapes
                or self.shape_count[shape] >= (self.per_shape if depth <= 1 else DEEP_PER_SHAPE)
            ):
                continue
            self.visited.add(path)
            self.shape_count[shape] += 1
            self.pages += 1
            if self.pages > MAX_PAGES:
                self.report.notes.append(f"{self.user}: stopped after {MAX_PAGES} pages")
                return
            response, final = self.follow("GET", path, referer=referer)
            if self.last_visit and self.last_visit.kind in DOCUMENT_TYPES.values():
                # One document of each kind per user is enough: they come from one template.
                self.document_shapes.add(shape)
            found = self.check(response, final, referer)
            # A page like one already opened (same kind of page, the same kinds of links: one
            # more patient, one more meeting) is checked, but its links are not followed again.
            signature = (shape, frozenset((_shape(link), method) for link, method, _ in found))
            if signature in self.signatures:
                continue
            self.signatures.add(signature)
            for link, method, data in found:
                if method == "post":
                    self.post_document(link, data, final)
                elif depth < MAX_DEPTH:
                    queue.append((link, depth + 1, final))

    def post_document(self, action: str, data: list[tuple[str, str]], referer: str) -> None:
        key = (
            "POST "
            + _shape(action)
            + urlencode(
                sorted(
                    (k, v) for k, v in data if k not in ("csrfmiddlewaretoken", "submission_key")
                )
            )
        )
        if key in self.shapes:
            return
        self.shapes.add(key)
        response = self.request("POST", action, data=data, referer=referer)
        self.check(response, action, referer)

    def check(self, response, path: str, referer: str) -> list[tuple[str, str, list]]:
        """Checks one answer; returns the links and forms to follow from a page."""
        if response is None or response.status_code >= 300:
            if response is not None and 400 <= response.status_code < 500:
                self.report.notes.append(
                    f"{self.user}: {path} answered {response.status_code} (linked from {referer})"
                )
            return []
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        kind = DOCUMENT_TYPES.get(content_type)
        if kind == "pdf":
            self.check_pdf(response.content, path)
        elif kind == "csv":
            if (
                not response.content.startswith(b"\xef\xbb\xbf")
                or b";" not in response.content.split(b"\n", 1)[0]
            ):
                self.report.problems.append(f"{self.user}: {path} is not a CSV for Swedish Excel")
        elif kind == "ics":
            if not response.content.startswith(b"BEGIN:VCALENDAR"):
                self.report.problems.append(f"{self.user}: {path} is not a calendar file")
        elif content_type == "text/html":
            return self.follow_page(response.text, path)
        return []

    def check_pdf(self, content: bytes, path: str) -> None:
        try:
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(content))
            first = reader.pages[0].extract_text()
        except Exception as error:  # noqa: BLE001 - any failure to read it is the finding
            self.report.problems.append(
                f"{self.user}: {path} is not a readable PDF ({type(error).__name__})"
            )
            return
        # The page footer comes from the PDF stylesheet alone: without it the document was made
        # without its styles.
        if "Sida 1 av" not in first:
            self.report.problems.append(f"{self.user}: {path} was made without its stylesheet")

    def follow_page(self, html: str, path: str) -> list[tuple[str, str, list]]:
        parser = PageParser()
        parser.feed(html)
        if self.personnummer is None:
            found = PERSONNUMMER.search(html)
            self.personnummer = found.group(0) if found else None
        for asset in parser.assets:
            self.check_static(self._local(asset, path))
        follow: list[tuple[str, str, list]] = []
        for href in parser.links:
            if href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            local = self._local(href, path)
            if local and not local.startswith("/static/"):
                follow.append((local, "get", []))
        for form in parser.forms:
            action = self._local(form.action or path, path)
            if action is None:
                continue
            if form.method == "get":
                query = [(k, v) for k, v in form.fields if v != ""]
                variants = [[]] + [[(n, v)] for n, v, _ in form.buttons]
                for extra in variants:
                    base = urlsplit(action)
                    follow.append(
                        (urlunsplit(("", "", base.path, urlencode(query + extra), "")), "get", [])
                    )
            elif form.method == "post":
                downloads = [(n, v) for n, v, native in form.buttons if native]
                if downloads:
                    for button in downloads:
                        follow.append((action, "post", form.fields + [button]))
                elif urlsplit(action).path == CALENDAR and not self.report.secrets:
                    self.check_calendar_feed(action, form.fields, path)
                elif urlsplit(action).path in DOCUMENT_FORMS and self.personnummer:
                    name = DOCUMENT_FORMS[urlsplit(action).path]
                    data = [(k, v) for k, v in form.fields if k != name] + [
                        (name, self.personnummer)
                    ]
                    follow.append((action, "post", data))
        return follow

    def check_calendar_feed(self, action: str, fields: list[tuple[str, str]], referer: str):
        """Makes the user a personal calendar link (once per run) and opens it as a calendar
        program does, without a session. The secret is kept for the caller to look for in
        logs, and never shown in the report."""
        self.report.secrets.append("")  # taken: the other users' runs skip this
        data = [(k, v) for k, v in fields if k != "action"] + [("action", "renew")]
        response = self.request("POST", action, data=data, referer=referer)
        found = response is not None and FEED.search(response.text)
        if not found:
            self.report.problems.append(f"{self.user}: {action} showed no calendar link")
            return
        self.report.secrets[-1] = found.group("secret")
        feed = self.request("GET", found.group(0), shown_as=f"{CALENDAR}[dold].ics", anonymous=True)
        self.check(feed, f"{CALENDAR}[dold].ics", referer)

    def check_static(self, local: str | None) -> None:
        if local is None or local in self.checked_static:
            return
        self.checked_static.add(local)
        response = self.request("GET", local)
        if response is None:
            return
        self.last_visit.kind = "static"
        if response.status_code != 200:
            self.report.problems.append(f"static file {local} answered {response.status_code}")
        elif local.endswith(".css"):
            for inner in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", response.text):
                if not inner.startswith(("data:", "#")):
                    self.check_static(self._local(inner, local))


def run(
    base: str,
    users=DEFAULT_USERS,
    *,
    password: str = DEMO_PASSWORD,
    totp_key: str = DEMO_TOTP_KEY,
    per_shape: int = PER_SHAPE,
    parallel: int = 1,
    timeout: float = 60,
) -> Report:
    """Runs the users side by side (parallel at a time), each in a session of its own."""
    report = Report()
    checked_static: set[str] = set()
    runs = [
        UserRun(
            base,
            user,
            password,
            totp_key,
            report,
            checked_static,
            per_shape=per_shape,
            timeout=timeout,
        )
        for user in users
    ]
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        for finished in [pool.submit(user_run.run) for user_run in runs]:
            finished.result()
    if not report.documents("pdf"):
        report.problems.append("no PDF was reached: nothing printable was checked")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the app's address, e.g. https://atergang-test.region.se")
    parser.add_argument(
        "--user", action="append", help=f"a user to log in as (default: {', '.join(DEFAULT_USERS)})"
    )
    parser.add_argument("--parallel", type=int, default=2, help="users at a time (default 2)")
    args = parser.parse_args(argv)
    report = run(
        args.base_url,
        args.user or DEFAULT_USERS,
        parallel=args.parallel,
        password=os.environ.get("SMOKE_PASSWORD") or DEMO_PASSWORD,
        totp_key=os.environ.get("SMOKE_TOTP_KEY") or DEMO_TOTP_KEY,
    )
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
