"""Secrets that travel in a URL path, kept out of every log line: the personal calendar feed's
token (mbt:feed, /mbt/kalender/<token>.ics) is the key to a user's meetings, and calendar
programs can only send it in the URL. Used by Django's logging (settings.LOGGING) and by
gunicorn's access log (deploy/gunicorn.conf.py), so it imports nothing from Django."""

from __future__ import annotations

import logging
import re

# tests/config/test_gunicorn.py checks this against the feed's real URL.
SECRET_IN_PATH = re.compile(r"(/mbt/kalender/)[^/?#\s\"]+(\.ics)")
HIDDEN = r"\1[dold]\2"


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(HIDDEN, text) if "/mbt/kalender/" in text else text


class RedactSecretsFilter(logging.Filter):
    """Django logs the path of every 4xx and 5xx ("Not Found: /mbt/kalender/…"): the message
    is formatted here and the secret taken out, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = redact(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True
