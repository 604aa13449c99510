"""Swedish personal identity numbers: personnummer and samordningsnummer.

Stored as 12 canonical digits YYYYMMDDNNNC; shown as YYYYMMDD-NNNN. Input is accepted in every
common form: with or without century, with "-" or "+" (the "+" marks a person aged 100 or more
when the century is left out), and with spaces. A samordningsnummer has 60 added to the day of
birth. The check digit is the Luhn digit over the ten digits YYMMDDNNN.

Reservnummer (unit-local temporary numbers) are not handled here: they are never validated as
personnummer.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core import clock

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"

_SHAPE = re.compile(r"^(?P<century>\d{2})?(?P<yymmdd>\d{6})(?P<sep>[-+])?(?P<tail>\d{4})$")


class InvalidIdentityNumber(ValueError):
    """The input is not a valid personnummer or samordningsnummer; str() is a Swedish message
    that says what is wrong."""


@dataclass(frozen=True)
class IdentityNumber:
    canonical: str  # 12 digits
    kind: str  # PERSONNUMMER or SAMORDNINGSNUMMER
    birth_date: datetime.date

    @property
    def formatted(self) -> str:
        return format_identity(self.canonical)


def luhn_check_digit(nine_digits: str) -> int:
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def format_identity(canonical: str) -> str:
    """YYYYMMDD-NNNN for a 12-digit number; anything else is returned as it is."""
    if len(canonical) == 12 and canonical.isdigit():
        return f"{canonical[:8]}-{canonical[8:]}"
    return canonical


def looks_like_identity_number(raw: str) -> bool:
    """True when the text is meant as a number rather than a name: no letters, and at least six
    digits. A search box then explains what is wrong with a mistyped number (13 digits, a "/"
    for the "-") instead of finding no one by that "name"."""
    compact = re.sub(r"\s+", "", raw or "")
    return (
        bool(compact)
        and not any(char.isalpha() for char in compact)
        and sum(char.isdigit() for char in compact) >= 6
    )


def parse_identity_number(raw: str | None, *, today: datetime.date | None = None) -> IdentityNumber:
    """Parses any common written form into an IdentityNumber, or raises InvalidIdentityNumber
    with a message for the user."""
    if today is None:
        today = clock.today()
    text = re.sub(r"\s+", "", raw or "")
    if not text:
        raise InvalidIdentityNumber(_("Ange ett personnummer eller samordningsnummer."))
    if re.search(r"[^\d+-]", text):
        raise InvalidIdentityNumber(
            _("Numret får bara innehålla siffror och bindestreck (eller plustecken).")
        )
    match = _SHAPE.match(text)
    if not match:
        digits = len(re.sub(r"\D", "", text))
        raise InvalidIdentityNumber(
            _(
                "Numret ska ha 10 eller 12 siffror, t.ex. 19121212-1212 eller 121212-1212 "
                "(du skrev %(count)s siffror)."
            )
            % {"count": digits}
        )
    yymmdd, tail, sep = match["yymmdd"], match["tail"], match["sep"]
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    kind = PERSONNUMMER
    if day > 60:
        kind = SAMORDNINGSNUMMER
        day -= 60

    if match["century"]:
        year = int(match["century"] + yymmdd[:2])
        birth = _date_or_error(year, month, day, kind)
        if birth > today:
            raise InvalidIdentityNumber(
                _("Födelsedatumet %(date)s ligger i framtiden.") % {"date": birth.isoformat()}
            )
    else:
        birth = _infer_century(int(yymmdd[:2]), month, day, kind, plus=sep == "+", today=today)

    # Never propose a digit: the typo may be anywhere, and "the last digit should be 2" invites
    # changing the one digit that may be right into a valid number of someone else.
    if int(tail[3]) != luhn_check_digit(yymmdd + tail[:3]):
        raise InvalidIdentityNumber(
            _(
                "Numret är inte giltigt. Kontrollsiffran (den sista) stämmer inte med de andra "
                "siffrorna: någon siffra är fel eller har bytt plats. Jämför med patientens "
                "legitimation eller remissen."
            )
        )
    canonical = f"{birth.year:04d}{yymmdd[2:]}{tail}"
    return IdentityNumber(canonical=canonical, kind=kind, birth_date=birth)


def _date_or_error(year: int, month: int, day: int, kind: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        if kind == SAMORDNINGSNUMMER:
            message = _(
                "Datumdelen finns inte: %(year)04d-%(month)02d-%(day)02d (samordningsnummer, "
                "dag minus 60) är inget giltigt datum."
            )
        else:
            message = _(
                "Datumdelen finns inte: %(year)04d-%(month)02d-%(day)02d är inget giltigt datum."
            )
        raise InvalidIdentityNumber(message % {"year": year, "month": month, "day": day}) from None


def _infer_century(
    yy: int, month: int, day: int, kind: str, *, plus: bool, today: datetime.date
) -> datetime.date:
    """Without a century, a "-" (or nothing) means the person is under 100: the latest year ending
    in YY whose date is not in the future. A "+" means 100 or older: a century earlier."""
    year = today.year - (today.year - yy) % 100
    for candidate in (year, year - 100):
        try:
            birth = datetime.date(candidate, month, day)
        except ValueError:
            continue  # 29 February exists in one century and not the other
        if birth <= today:
            break
    else:
        # No century makes the date exist: report it in the most likely century.
        _date_or_error(year, month, day, kind)
        raise AssertionError("unreachable")
    if plus:
        earlier = birth.year - 100
        try:
            birth = datetime.date(earlier, month, day)
        except ValueError:
            _date_or_error(earlier, month, day, kind)
    return birth
