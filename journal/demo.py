"""Demo data for patients and the journal: 60+ patients over both units with Skatteverket's test
personnummer, some with protected identity, one with a reservnummer, a few registered at both
units, journal entries (signed, draft, corrected) and a month of plausible access history with
something for every log-review flag. Idempotent: skipped when the demo patients exist."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from accounts.models import CareUnit, Profession, User
from core import clock
from journal import services
from journal.accesslog import Action, Actor, is_outside_office_hours, log_settings_for
from journal.models import AccessLog, CareRelation, EntryType, Patient

TEST_NUMBERS = Path(settings.BASE_DIR) / "data" / "testpersonnummer.txt"

FIRST_NAMES = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Anders",
    "Eva",
    "Johan",
    "Sara",
    "Mikael",
    "Lena",
    "Per",
    "Emma",
    "Nils",
    "Åsa",
    "Björn",
    "Ingrid",
    "Mohammed",
    "Fatima",
    "Oskar",
    "Linnéa",
    "Jonas",
    "Elin",
    "Ömer",
    "Helena",
    "Daniel",
    "Sofia",
    "Mats",
    "Ylva",
    "Peter",
    "Amira",
    "Henrik",
    "Julia",
    "Göran",
    "Malin",
    "Ahmed",
    "Therese",
    "Kristoffer",
    "Hanna",
    "Stefan",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Lindström",
    "Åberg",
    "Öberg",
    "Ängström",
    "Lindqvist",
    "Berglund",
    "Sandberg",
    "Forsberg",
    "Sjöberg",
    "Wallin",
    "Engström",
    "Danielsson",
    "Håkansson",
    "Ali",
    "Hassan",
    "Lundgren",
    "Björk",
    "Ström",
    "Axelsson",
    "Nyström",
    "Holm",
]
STREETS = ["Storgatan", "Kungsgatan", "Skolvägen", "Björkvägen", "Älvgatan", "Sjövägen"]
NOTES = [
    "Telefonkontakt. Patienten berättar att sömnen blivit bättre sedan förra kontakten. "
    "Planerar att prova arbetsträning två timmar per dag från nästa vecka.",
    "Besök. Genomgång av nuläget inför MBT. Patienten önskar stöd i kontakten med arbetsgivaren.",
    "Patienten har haft kontakt med arbetsgivaren och en första avstämning är bokad.",
    "Uppföljning per telefon. Patienten upplever ökad ork och vill öka arbetstiden.",
    "Patienten hör av sig och avbokar besöket; ny tid bokas om två veckor.",
]

# How the demo units and people are found (see accounts/demo.py).
ASEN = "SE2321000131-E0001"
CITY = "SE5567000001-E0001"


def _numbers(count: int) -> list[str]:
    """Test personnummer of working-age people (born 1958-2004), spread over the file."""
    numbers = [
        line.strip()
        for line in TEST_NUMBERS.read_text().splitlines()
        if line.strip() and not line.startswith("#") and 1958 <= int(line[:4]) <= 2004
    ]
    step = len(numbers) // count
    return [numbers[i * step] for i in range(count)]


def _centenarian() -> str:
    for line in TEST_NUMBERS.read_text().splitlines():
        if line.startswith("1924"):
            return line.strip()
    raise RuntimeError("no test number born 1924")


def seed() -> None:
    asen = CareUnit.objects.get(hsa_id=ASEN)
    city = CareUnit.objects.get(hsa_id=CITY)
    numbers = _numbers(64)
    if Patient.objects.filter(identity_number=numbers[0]).exists():
        return
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    staff = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "kerstin",
                "erik",
                "sara",
                "johan",
                "lena",
                "ali",
                "anders",
                "nora",
                "peter",
                "ida",
                "olof",
                "maria",
                "emma",
            ]
        )
    }
    today = clock.today()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8, 0)))
    registered_at = start - datetime.timedelta(days=45)

    def actor(username: str, unit: CareUnit) -> Actor:
        return Actor(user=staff[username], unit=unit, ip="10.20.30.40", request_id="demo")

    patients: dict[int, list[Patient]] = {asen.pk: [], city.pk: []}
    for index, number in enumerate(numbers):
        unit = asen if index < 40 else city
        registrar = "kerstin" if unit == asen else "nora"
        details = {
            "first_name": FIRST_NAMES[index % len(FIRST_NAMES)],
            "last_name": LAST_NAMES[(index * 7) % len(LAST_NAMES)],
            "phone": f"070-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            "street_address": f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
            "postal_code": f"65{rng.randint(100, 999)}",
            "city": "Karlstad" if unit == asen else "Kristinehamn",
            "protected_identity": index in (3, 27, 45),
            "interpreter_needed": index in (5, 17, 50),
            "interpreter_language": {5: "arabiska", 17: "somaliska", 50: "tigrinja"}.get(index, ""),
        }
        if details["protected_identity"]:
            details.update(street_address="", postal_code="", city="")
        fast = {asen: ["kerstin", "erik", "sara", "lena"], city: ["nora", "peter", "ida"]}[unit]
        with clock.fixed_at(registered_at + datetime.timedelta(hours=index)):
            patient = services.patient_register(
                actor=actor(registrar, unit),
                identity=number,
                fast_vardkontakt=staff[fast[index % len(fast)]] if index % 3 else None,
                **details,
            )
        patients[unit.pk].append(patient)

    # A few patients are patients at both units.
    for patient in patients[asen.pk][10:14]:
        with clock.fixed_at(registered_at + datetime.timedelta(days=3)):
            services.patient_register(
                actor=actor("nora", city),
                identity=patient.identity_number,
                first_name=patient.first_name,
                last_name=patient.last_name,
                phone=patient.phone,
                street_address=patient.street_address,
                postal_code=patient.postal_code,
                city=patient.city,
            )
        patients[city.pk].append(patient)

    # A patient without personnummer, and one of 100 or more (shown with "+" when written short).
    with clock.fixed_at(registered_at):
        patients[asen.pk].append(
            services.patient_register(
                actor=actor("kerstin", asen),
                identity=None,
                use_reservnummer=True,
                first_name="Okänd",
                last_name="Kvinna",
                interpreter_needed=True,
                interpreter_language="dari",
            )
        )
        patients[asen.pk].append(
            services.patient_register(
                actor=actor("lena", asen),
                identity=_centenarian(),
                first_name="Greta",
                last_name="Ödman",
                street_address="Vårdboendet Solgläntan",
                postal_code="65224",
                city="Karlstad",
            )
        )

    _journal(asen, city, patients, staff, actor, start)
    _access_history(asen, city, patients, staff, today)


def _journal(asen, city, patients, staff, actor, start) -> None:
    writers = {
        asen.pk: ["kerstin", "erik", "sara", "johan", "lena"],
        city.pk: ["nora", "peter", "ida"],
    }
    for unit in (asen, city):
        for index, patient in enumerate(patients[unit.pk][:30]):
            for n in range(1 + index % 3):
                when = start - datetime.timedelta(days=30 - index % 25 - n * 3, hours=-n)
                author = writers[unit.pk][(index + n) % len(writers[unit.pk])]
                with clock.fixed_at(when):
                    services.journal_entry_create(
                        actor=actor(author, unit),
                        patient=patient,
                        entry_type=EntryType.ANTECKNING,
                        text=NOTES[(index + n) % len(NOTES)],
                        kva_codes=["GC001"]
                        if staff[author].profession == Profession.REHABKOORDINATOR
                        else [],
                    )
    # Drafts awaiting their authors' signatures.
    for patient, author in (
        (patients[asen.pk][0], "kerstin"),
        (patients[asen.pk][2], "erik"),
        (patients[city.pk][1], "nora"),
    ):
        unit = asen if patient in patients[asen.pk] else city
        with clock.fixed_at(start - datetime.timedelta(hours=2)):
            services.journal_entry_create(
                actor=actor(author, unit),
                patient=patient,
                entry_type=EntryType.ANTECKNING,
                text=(
                    "Utkast: samtal om arbetsträning, fortsättning följer efter kontakt med "
                    "arbetsgivaren."
                ),
                sign=False,
            )
    # A corrected entry.
    patient = patients[asen.pk][1]
    with clock.fixed_at(start - datetime.timedelta(days=6)):
        wrong = services.journal_entry_create(
            actor=actor("sara", asen),
            patient=patient,
            entry_type=EntryType.ANTECKNING,
            text="Besök. Patienten har börjat arbetsträna 50 % på sin arbetsplats.",
        )
    with clock.fixed_at(start - datetime.timedelta(days=5)):
        services.journal_entry_correct(
            actor=actor("sara", asen),
            entry=wrong,
            text=(
                "Rättelse: arbetsträningen är 25 %, inte 50 %. Fel uppgift i föregående anteckning."
            ),
        )


def _access_history(asen, city, patients, staff, today) -> None:
    """A month of reads: office-hour reads by the unit's staff, some in the evening and on a
    weekend, reads of protected patients, a reader from the other unit refused, and one day of
    unusual volume."""
    rng = random.Random(42)  # noqa: S311 - demo data, not security
    readers = {
        asen.pk: ["kerstin", "erik", "sara", "johan", "lena", "maria"],
        city.pk: ["nora", "peter", "ida", "emma"],
    }
    related = {
        (unit_id, patient_id)
        for unit_id, patient_id in CareRelation.objects.values_list("unit_id", "patient_id")
    }
    settings_by_unit = {unit.pk: log_settings_for(unit) for unit in (asen, city)}
    rows = []

    def add(user, unit, patient, when, action=Action.READ, what="patientöversikt"):
        rows.append(
            AccessLog(
                at=when,
                user=staff[user],
                unit=unit,
                patient=patient,
                action=action,
                what=what,
                ip="10.20.30.40",
                request_id="demo",
                has_care_relation=(unit.pk, patient.pk) in related,
                protected_identity=patient.protected_identity,
                outside_office_hours=is_outside_office_hours(when, settings_by_unit[unit.pk]),
            )
        )

    for days_ago in range(30, 0, -1):
        day = today - datetime.timedelta(days=days_ago)
        for unit in (asen, city):
            if day.weekday() >= 5:
                continue
            for user in readers[unit.pk]:
                for _ in range(rng.randint(3, 9)):
                    moment = timezone.make_aware(
                        datetime.datetime.combine(
                            day, datetime.time(rng.randint(8, 16), rng.randint(0, 59))
                        )
                    )
                    add(user, unit, rng.choice(patients[unit.pk]), moment)
    # Evening and weekend reads.
    for days_ago, hour in ((9, 21), (16, 22), (13, 6)):
        day = today - datetime.timedelta(days=days_ago)
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 15)))
        add("erik", asen, patients[asen.pk][5], moment)
    saturday = today - datetime.timedelta(days=(today.weekday() - 5) % 7 or 7)
    add(
        "peter",
        city,
        patients[city.pk][3],
        timezone.make_aware(datetime.datetime.combine(saturday, datetime.time(11, 40))),
    )
    # A reader at Citykliniken tries to open one of Åsen's patients: refused.
    refused = patients[asen.pk][20]
    moment = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=4), datetime.time(10, 5))
    )
    add("ida", city, refused, moment, action=Action.DENIED, what="patientöversikt")
    # One day of unusual volume: 60 reads in an afternoon.
    busy = today - datetime.timedelta(days=2)
    if busy.weekday() >= 5:
        busy -= datetime.timedelta(days=2)
    for minute in range(60):
        moment = timezone.make_aware(
            datetime.datetime.combine(busy, datetime.time(13 + minute // 30, (minute * 2) % 60))
        )
        add("johan", asen, patients[asen.pk][minute % len(patients[asen.pk])], moment)
    AccessLog.objects.bulk_create(rows, batch_size=1000)
