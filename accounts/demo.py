"""Demo data for accounts: two care providers with a vårdcentral each, staff covering every
required MBT role, a manager and an administrator at each, one user at both units, one whose
assignment has ended, and the external organisations units work with. Idempotent: what exists
(by HSA-id or username) is left alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accounts import services
from accounts.models import Assignment, CareUnit, Organisation, Profession, Role, User, Vardgivare

DEMO_PASSWORD = "demo-atergang-2026"  # noqa: S105 - demo data only; seed_demo refuses production

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
    today = timezone.localdate()
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
                is_staff=demo.is_staff,
                is_superuser=demo.is_staff,
            )
        for unit_hsa, role in demo.units:
            unit = units[unit_hsa]
            if not Assignment.objects.filter(user=user, unit=unit, role=role).exists():
                valid_from = datetime.date(today.year - 2, 1, 1)
                valid_to = today - datetime.timedelta(days=30) if demo.ended else None
                services.assignment_create(
                    user=user, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to
                )
        users.append(user)
    return users


def describe(user: User) -> str:
    current = Assignment.objects.current().filter(user=user).select_related("unit")
    if current:
        return ", ".join(f"{a.unit.name} ({a.get_role_display().lower()})" for a in current)
    if user.is_staff:
        return "administration (inget medarbetaruppdrag)"
    return "uppdraget har upphört: kan inte logga in"
