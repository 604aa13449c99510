"""Demo data for accounts: two care providers with a vårdcentral each, staff covering every
required MBT role, a manager and an administrator at each, one user at both units, one whose
assignment has ended, and the external organisations units work with. Idempotent: what exists
(by HSA-id or username) is left alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from accounts import services
from accounts.models import (
    Assignment,
    AuthEvent,
    CareUnit,
    Organisation,
    Profession,
    Role,
    User,
    Vardgivare,
)
from core import clock

DEMO_PASSWORD = "demo-atergang-2026"  # noqa: S105 - demo data only; seed_demo refuses production
# Every demo user but one (lena, who shows the set-up) has an authenticator with this key, the
# RFC 6238 test key "12345678901234567890". `manage.py demo_code` prints the current code; or
# add the key to any authenticator app: GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_TOTP_KEY_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
DEMO_WITHOUT_SECOND_FACTOR = {"lena"}
# lena's aktiveringskod from the administrator, for setting up her app (valid a year in the demo).
DEMO_ENROLMENT_CODE = "2026-0000-1234"

REGION_HSA = "SE2321000131-RV00"
PRIVATE_HSA = "SE5567000001-HB00"
FYSIO_HSA = "SE5567000002-FK00"
ASEN_HSA = "SE2321000131-E0001"
CITY_HSA = "SE5567000001-E0001"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    profession: str
    units: tuple[tuple[str, str], ...]  # (unit HSA-id, role)
    ended: bool = False
    is_staff: bool = False


DEMO_USERS = [
    DemoUser(
        "kerstin", "Kerstin", "Lindqvist", Profession.REHABKOORDINATOR, ((ASEN_HSA, Role.CARE),)
    ),
    DemoUser("erik", "Erik", "Johansson", Profession.LAKARE, ((ASEN_HSA, Role.CARE),)),
    DemoUser("sara", "Sara", "Nilsson", Profession.FYSIOTERAPEUT, ((ASEN_HSA, Role.CARE),)),
    DemoUser("johan", "Johan", "Berg", Profession.KURATOR, ((ASEN_HSA, Role.CARE),)),
    DemoUser("lena", "Lena", "Åberg", Profession.SJUKSKOTERSKA, ((ASEN_HSA, Role.CARE),)),
    DemoUser(
        "maria", "Maria", "Ek", Profession.VARDADMINISTRATOR, ((ASEN_HSA, Role.ADMINISTRATION),)
    ),
    DemoUser("anders", "Anders", "Holm", Profession.CHEF, ((ASEN_HSA, Role.MANAGER),)),
    DemoUser(
        "ali",
        "Ali",
        "Haddad",
        Profession.PSYKOLOG,
        ((ASEN_HSA, Role.CARE), (CITY_HSA, Role.CARE)),
    ),
    DemoUser("nora", "Nora", "Svensson", Profession.REHABKOORDINATOR, ((CITY_HSA, Role.CARE),)),
    DemoUser("peter", "Peter", "Lund", Profession.LAKARE, ((CITY_HSA, Role.CARE),)),
    DemoUser("ida", "Ida", "Karlsson", Profession.FYSIOTERAPEUT, ((CITY_HSA, Role.CARE),)),
    DemoUser(
        "emma", "Emma", "Ström", Profession.VARDADMINISTRATOR, ((CITY_HSA, Role.ADMINISTRATION),)
    ),
    DemoUser("olof", "Olof", "Sjöberg", Profession.CHEF, ((CITY_HSA, Role.MANAGER),)),
    DemoUser("gunnar", "Gunnar", "Wallin", Profession.LAKARE, ((ASEN_HSA, Role.CARE),), ended=True),
    DemoUser("admin", "Systemadministratör", "", Profession.ANNAN, (), is_staff=True),
]


def _vardgivare(name: str, kind: str, hsa_id: str, organisation_number: str) -> Vardgivare:
    existing = Vardgivare.objects.filter(hsa_id=hsa_id).first()
    return existing or services.vardgivare_create(
        name=name, kind=kind, hsa_id=hsa_id, organisation_number=organisation_number
    )


def _unit(vardgivare: Vardgivare, name: str, hsa_id: str) -> CareUnit:
    existing = CareUnit.objects.filter(hsa_id=hsa_id).first()
    return existing or services.care_unit_create(vardgivare=vardgivare, name=name, hsa_id=hsa_id)


def _organisation(name: str, kind: str, vardgivare: Vardgivare | None = None) -> None:
    if not Organisation.objects.filter(name=name).exists():
        services.organisation_create(name=name, kind=kind, vardgivare=vardgivare)


def seed() -> list[User]:
    """Creates what is missing and returns the demo users."""
    today = clock.today()
    region = _vardgivare("Region Värmland", Vardgivare.Kind.REGION, REGION_HSA, "232100-0156")
    private = _vardgivare(
        "Hälsobolaget Norr AB", Vardgivare.Kind.PRIVAT, PRIVATE_HSA, "556700-0001"
    )
    fysio = _vardgivare("Fysiokliniken Väst AB", Vardgivare.Kind.PRIVAT, FYSIO_HSA, "556700-0002")
    units = {
        ASEN_HSA: _unit(region, "Vårdcentralen Åsen", ASEN_HSA),
        CITY_HSA: _unit(private, "Citykliniken Hälsan", CITY_HSA),
    }

    _organisation("Försäkringskassan", Organisation.Kind.FORSAKRINGSKASSAN)
    _organisation("Arbetsförmedlingen", Organisation.Kind.ARBETSFORMEDLINGEN)
    _organisation("Socialtjänsten, Karlstads kommun", Organisation.Kind.SOCIALTJANST)
    _organisation("Åsens Bygg AB", Organisation.Kind.ARBETSGIVARE)
    _organisation("Karlstads kommun, förskoleförvaltningen", Organisation.Kind.ARBETSGIVARE)
    _organisation("Fysiokliniken Väst AB", Organisation.Kind.VARDGIVARE, vardgivare=fysio)
    _organisation("Hälsobolaget Norr AB", Organisation.Kind.VARDGIVARE, vardgivare=private)

    users = []
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            user = services.user_create(
                username=demo.username,
                first_name=demo.first_name,
                last_name=demo.last_name,
                profession=demo.profession,
                password=DEMO_PASSWORD,
                email=f"{demo.username}@demo.invalid",
                hsa_id=demo_hsa_id(demo),
                is_staff=demo.is_staff,
                is_superuser=demo.is_staff,
            )
        elif not user.hsa_id and demo_hsa_id(demo):
            # Demo data from before the demo users had HSA-ids.
            user.hsa_id = demo_hsa_id(demo)
            user.save(update_fields=["hsa_id"])
        for unit_hsa, role in demo.units:
            unit = units[unit_hsa]
            if not Assignment.objects.filter(user=user, unit=unit, role=role).exists():
                valid_from = datetime.date(today.year - 2, 1, 1)
                valid_to = today - datetime.timedelta(days=30) if demo.ended else None
                services.assignment_create(
                    user=user, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to
                )
        if demo.username not in DEMO_WITHOUT_SECOND_FACTOR:
            _demo_authenticator(user)
        users.append(user)
    by_name = {u.username: u for u in users}
    for name in DEMO_WITHOUT_SECOND_FACTOR:
        _demo_enrolment_code(by_name[name], issued_by=by_name["admin"])
    return users


def _demo_enrolment_code(user: User, *, issued_by: User) -> None:
    from django.contrib.auth.hashers import make_password

    from accounts.models import Authenticator, EnrolmentCode

    if Authenticator.objects.filter(user=user, confirmed=True).exists():
        return
    if services.enrolment_code_valid(user=user, code=DEMO_ENROLMENT_CODE):
        return
    EnrolmentCode.objects.create(
        user=user,
        code_hash=make_password(services.normalise_enrolment_code(DEMO_ENROLMENT_CODE)),
        created_by=issued_by,
        expires_at=clock.now() + datetime.timedelta(days=365),
    )


def demo_hsa_id(demo: DemoUser) -> str:
    """A personal HSA-id under the user's first unit's vårdgivare (none for the administrator),
    for logging in through an identity provider."""
    if not demo.units:
        return ""
    index = [d.username for d in DEMO_USERS].index(demo.username) + 1
    prefix = REGION_HSA if demo.units[0][0] == ASEN_HSA else PRIVATE_HSA
    return f"{prefix.split('-')[0]}-P{index:04d}"


def _demo_authenticator(user: User) -> None:
    from binascii import unhexlify

    from accounts.models import Authenticator

    if not Authenticator.objects.filter(user=user, confirmed=True).exists():
        services.authenticator_add(user=user, name="Demo-app", secret=unhexlify(DEMO_TOTP_KEY_HEX))
        services.recovery_codes_replace(user=user)


def demo_code(*, at: float | None = None) -> str:
    """The demo authenticator's code now (or at the given time)."""
    import time
    from binascii import unhexlify

    from django_otp.oath import TOTP

    totp = TOTP(unhexlify(DEMO_TOTP_KEY_HEX))
    totp.time = at if at is not None else time.time()
    return f"{totp.token():06d}"


UNKNOWN_DEMO_HSA_ID = "SE2321000131-P9999"


def seed_auth_events() -> None:
    """A month of authentication events, so that the managers' event log has something of every
    kind: logins by both methods, failures, a lock-out, an unknown username, an unknown HSA-id,
    a set-up, a reset by the administrator and timeouts. Written once."""
    if AuthEvent.objects.filter(hsa_id=UNKNOWN_DEMO_HSA_ID).exists():
        return
    users = {
        u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])
    }
    now = clock.now()
    day = datetime.timedelta(days=1)
    hour = datetime.timedelta(hours=1)
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/156.0 Safari/537.36"
    kind, method = AuthEvent.Kind, AuthEvent.Method
    rows = []

    def add(at, kind_, user=None, method_="", **extra):
        rows.append(
            AuthEvent(
                at=at,
                kind=kind_,
                user=users.get(user) if user else None,
                method=method_,
                ip=extra.pop("ip", "10.12.3.41"),
                user_agent=agent,
                **extra,
            )
        )

    for days_ago in range(28, 0, -1):
        morning = (now - days_ago * day).replace(hour=7, minute=40, second=0, microsecond=0)
        if morning.weekday() >= 5:
            continue
        for offset, name in enumerate(("kerstin", "erik", "maria", "anders", "nora", "olof")):
            at = morning + offset * datetime.timedelta(minutes=9)
            add(at, kind.LOGIN, name, method.TOTP)
            add(
                at + 8 * hour,
                kind.LOGOUT if offset % 2 else kind.SESSION_ENDED,
                name,
                reason="" if offset % 2 else "inaktivitet",
            )
    add(
        now - 20 * day,
        kind.FAILED,
        "erik",
        method.PASSWORD,
        reason="fel användarnamn eller lösenord",
    )
    add(now - 12 * day, kind.SECOND_FACTOR_FAILED, "sara", method.TOTP, reason="fel kod")
    for minute in range(5):
        add(
            now - 9 * day + minute * datetime.timedelta(minutes=1),
            kind.FAILED,
            method_=method.PASSWORD,
            username="administrator",
            ip="10.12.3.77",
            reason="fel användarnamn eller lösenord",
        )
    add(
        now - 9 * day + 6 * datetime.timedelta(minutes=1),
        kind.REFUSED,
        method_=method.PASSWORD,
        username="administrator",
        ip="10.12.3.77",
        reason="spärrat efter för många misslyckade försök",
    )
    add(
        now - 6 * day,
        kind.REFUSED,
        "gunnar",
        method.PASSWORD,
        reason="inget giltigt medarbetaruppdrag",
    )
    add(
        now - 5 * day,
        kind.REFUSED,
        method_=method.OIDC,
        hsa_id=UNKNOWN_DEMO_HSA_ID,
        acr="http://id.elegnamnden.se/loa/1.0/loa3",
        reason="okänt HSA-id",
    )
    add(
        now - 4 * day,
        kind.SECOND_FACTOR_RESET,
        "johan",
        method.ADMIN,
        actor=users.get("admin"),
        reason="Återställd av Systemadministratör",
    )
    for name in ("johan", "lena"):
        add(
            now - 4 * day,
            kind.ENROLMENT_CODE_CREATED,
            name,
            method.ADMIN,
            actor=users.get("admin"),
            reason="Skapad av Systemadministratör",
        )
    add(now - 4 * day + hour, kind.SECOND_FACTOR_ENROLLED, "johan", method.TOTP)
    add(now - 4 * day + hour, kind.LOGIN, "johan", method.TOTP)
    add(now - 2 * day, kind.LOGIN, "ali", method.RECOVERY_CODE)
    add(
        now - 2 * day,
        kind.LOGIN,
        "sara",
        method.OIDC,
        hsa_id="SE2321000131-P0003",  # sara: see demo_hsa_id
        acr="http://id.elegnamnden.se/loa/1.0/loa3",
    )
    AuthEvent.objects.bulk_create(rows)


def describe(user: User) -> str:
    current = Assignment.objects.current().filter(user=user).select_related("unit")
    if current:
        return ", ".join(f"{a.unit.name} ({a.get_role_display().lower()})" for a in current)
    if user.is_staff:
        return "administration (inget medarbetaruppdrag)"
    return "uppdraget har upphört: kan inte logga in"
