"""The koordineringsinsatser pages: the patient section, starting and running an episode, and the
follow-up list with its filters, "new since my last review", hidden personnummer and exports."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Profession, Role
from consent import services as consent_services
from coordination import services
from coordination.models import Activity, Episode, FkInformation, SickLeavePeriod
from journal.models import AccessLog
from tests.coordination.conftest import days_ago, give_consent, record_activity, start_episode
from tests.factories import register_patient, staff_at
from tests.pdfs import printed_text

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def add_period(actor, patient, start=40, end=-20, extent=100):
    return services.sick_leave_add(
        actor=actor,
        patient=patient,
        start_date=days_ago(start),
        end_date=days_ago(end),
        extent=extent,
        occupation="anstalld",
    )


def guard(unit):
    return {"_active_unit": str(unit.pk)}


# --- The patient page ---------------------------------------------------------------------------


def test_patient_page_shows_sjukfall_milestones_and_the_consent_gate(
    coordinator_client, actor, patient
):
    add_period(actor, patient, start=100, end=-10, extent=50)
    page = coordinator_client.get(f"/patienter/{patient.pk}/").content.decode()
    assert "Koordineringsinsatser" in page and "dag 101" in page and "50 %" in page
    assert "Dag 90" in page and "Dag 180" in page
    assert "Koordineringsinsatser ges bara med patientens samtycke" in page
    assert f"/patienter/{patient.pk}/koordinering/starta/" not in page
    give_consent(actor, patient)
    page = coordinator_client.get(f"/patienter/{patient.pk}/").content.decode()
    assert f"/patienter/{patient.pk}/koordinering/starta/" in page


def test_sick_leave_form_errors_keep_the_input(coordinator_client, patient, unit):
    url = f"/patienter/{patient.pk}/koordinering/sjukskrivning/"
    data = {
        **guard(unit),
        "sjukskrivning-start_date": days_ago(5).isoformat(),
        "sjukskrivning-end_date": days_ago(10).isoformat(),
        "sjukskrivning-extent": "75",
        "sjukskrivning-occupation": "studerande",
    }
    response = coordinator_client.post(url, data, **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Slutdatumet kan inte ligga före startdatumet" in body
    assert '<option value="studerande" selected>' in body
    data["sjukskrivning-end_date"] = days_ago(-10).isoformat()
    response = coordinator_client.post(url, data, **HTMX)
    assert response.status_code == 200 and "75 %" in response.content.decode()
    assert SickLeavePeriod.objects.count() == 1


def test_void_period_asks_why_first(coordinator_client, actor, patient, unit):
    period = add_period(actor, patient)
    url = f"/patienter/{patient.pk}/koordinering/sjukskrivning/{period.pk}/ta-bort/"
    assert "Varför tas perioden bort" in coordinator_client.get(url).content.decode()
    assert coordinator_client.post(url, {**guard(unit), "reason": ""}).status_code == 400
    response = coordinator_client.post(url, {**guard(unit), "reason": "Dubblett"})
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.voided_at is not None


# --- Episodes -----------------------------------------------------------------------------------


def start_data(unit, doctor, coordinator, **overrides):
    data = {
        **guard(unit),
        "started_on": days_ago(3).isoformat(),
        "responsible": str(coordinator.pk),
        "need": "Stöd inför samtal med arbetsgivaren.",
        "assessed_by": str(doctor.pk),
        "assessed_on": days_ago(7).isoformat(),
        "employer": "Kommunen",
        "employer_contact": "",
        "next_follow_up": "",
    }
    data.update(overrides)
    return data


def test_start_page_refuses_without_consent_and_points_out_a_diagnosis(
    coordinator_client, patient, doctor, coordinator, unit, actor
):
    url = f"/patienter/{patient.pk}/koordinering/starta/"
    page = coordinator_client.get(url).content.decode()
    assert "Samtycke saknas" in page
    response = coordinator_client.post(url, start_data(unit, doctor, coordinator))
    assert response.status_code == 400
    assert "Det finns inget samtycke till koordineringsinsatser" in response.content.decode()
    give_consent(actor, patient)
    data = start_data(unit, doctor, coordinator, need="Sjukskriven för F43.1 sedan mars")
    response = coordinator_client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 400 and "liknar en diagnoskod (F43.1)" in body
    assert "det är ingen diagnos" in body and "Sjukskriven för F43.1 sedan mars" in body
    data["need"] = "Stöd inför samtal med arbetsgivaren."
    response = coordinator_client.post(url, data)
    episode = Episode.objects.get()
    assert response.status_code == 302 and response.url == f"/koordinering/arenden/{episode.pk}/"


def test_episode_page_runs_activities_and_fk_information(
    coordinator_client, episode, employer, unit, actor
):
    url = f"/koordinering/arenden/{episode.pk}/"
    page = coordinator_client.get(url).content.decode()
    assert "Pågående koordineringsinsatser" in page and "Registrera insats" in page
    assert "Försäkringskassan kan informeras när patienten har samtyckt" in page
    assert AccessLog.objects.filter(patient=episode.patient, what="koordineringsärende").exists()

    activity = {
        **guard(unit),
        "insats-kind": "intern_samordning",
        "insats-performed_on": days_ago(1).isoformat(),
        "insats-minutes": "20",
        "insats-patient_contact": "nej",
        "insats-mode": "telefon",
        "insats-note": "Stämde av med fysioterapeuten om träningsupplägg.",
    }
    response = coordinator_client.post(url + "insatser/", activity, **HTMX)
    assert response.status_code == 200
    assert "Intern samordning" in response.content.decode()
    assert Activity.objects.get().journal_entry.kva_codes == ["GC001"]

    activity["insats-note"] = "Diskuterade M54.5 med kollegan"
    response = coordinator_client.post(url + "insatser/", activity, **HTMX)
    assert response.status_code == 400 and "M54.5" in response.content.decode()
    activity["insats-diagnosis_confirmed"] = "on"
    activity["insats-note"] = "Rum B12 bokat för nästa samtal"
    assert coordinator_client.post(url + "insatser/", activity, **HTMX).status_code == 200
    assert Activity.objects.count() == 2

    give_consent(actor, episode.patient, "fk_information")
    response = coordinator_client.post(
        url + "fk/",
        {
            **guard(unit),
            "fk-informed_on": days_ago(0).isoformat(),
            "fk-channel": "digitalt",
            "fk-content": "Behov av arbetsträning.",
        },
        **HTMX,
    )
    assert response.status_code == 200 and "Behov av arbetsträning." in response.content.decode()
    assert FkInformation.objects.count() == 1


def test_revoked_consent_shows_samtycke_saknas_and_refuses_activities(
    coordinator_client, episode, consented, actor, unit
):
    consent_services.consent_revoke(
        actor=actor, consent=consented, revoked_on=days_ago(0), method="telefon"
    )
    url = f"/koordinering/arenden/{episode.pk}/"
    page = coordinator_client.get(url).content.decode()
    assert "Samtycke saknas" in page and "Registrera insats" not in page
    response = coordinator_client.post(
        url + "insatser/",
        {
            **guard(unit),
            "insats-kind": "personligt_stod",
            "insats-performed_on": days_ago(0).isoformat(),
            "insats-minutes": "20",
            "insats-patient_contact": "ja",
            "insats-mode": "besok",
            "insats-note": "Samtal",
        },
    )
    assert response.status_code == 400 and "återkallades" in response.content.decode()
    assert not Activity.objects.exists()


def test_other_units_episode_is_a_404_and_logged(client, episode, other_unit):
    stranger = staff_at(other_unit)
    client.force_login(stranger)
    response = client.get(f"/koordinering/arenden/{episode.pk}/")
    assert response.status_code == 404
    denied = AccessLog.objects.get(user=stranger)
    assert denied.action == "denied" and denied.patient == episode.patient


def test_end_episode_asks_first_then_journals(coordinator_client, episode, unit):
    url = f"/koordinering/arenden/{episode.pk}/avsluta/"
    assert "kan inte öppnas igen" in coordinator_client.get(url).content.decode()
    response = coordinator_client.post(
        url,
        {
            **guard(unit),
            "version": "0",
            "ended_on": days_ago(0).isoformat(),
            "reason": "arbete",
            "note": "",
        },
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.end_reason == "arbete"


def test_edit_conflict_is_reported(coordinator_client, episode, unit):
    data = {
        **guard(unit),
        "version": "0",
        "responsible": str(episode.responsible_id),
        "need": "Ändrat behov",
        "employer": "",
        "employer_contact": "",
        "next_follow_up": days_ago(-7).isoformat(),
    }
    url = f"/koordinering/arenden/{episode.pk}/andra/"
    assert coordinator_client.post(url, data, **HTMX).status_code == 200
    response = coordinator_client.post(url, data, **HTMX)
    assert response.status_code == 400 and "Någon annan har ändrat" in response.content.decode()


def test_diagnosis_check_while_typing(coordinator_client, unit):
    response = coordinator_client.post(
        "/koordinering/diagnoskontroll/", {**guard(unit), "insats-note": "kontakt ang. F32.1"}
    )
    assert "F32.1" in response.content.decode()
    response = coordinator_client.post(
        "/koordinering/diagnoskontroll/", {**guard(unit), "insats-note": "kontakt med AF"}
    )
    assert response.content.decode().strip() == ""


def test_manager_moves_someones_episodes(client, episode, unit, coordinator):
    manager = staff_at(unit, role=Role.MANAGER, profession=Profession.CHEF)
    colleague = staff_at(unit, first_name="Ny", last_name="Ansvarig")
    client.force_login(coordinator)
    assert client.get("/koordinering/flytta-arenden/").status_code == 403
    client.force_login(manager)
    response = client.post(
        "/koordinering/flytta-arenden/",
        {**guard(unit), "from_user": str(coordinator.pk), "to_user": str(colleague.pk)},
    )
    assert response.status_code == 302
    assert Episode.objects.get().responsible == colleague


# --- The follow-up list -------------------------------------------------------------------------


@pytest.fixture
def unit_list(actor, unit, doctor, coordinator):
    """Four patients: long sick leave with an episode, one ending soon, one new, and one
    whose sick leave ended (not on the list)."""
    long = register_patient(unit, coordinator, first_name="Lång", last_name="Åkesson")
    soon = register_patient(unit, coordinator, first_name="Snart", last_name="Berg")
    fresh = register_patient(unit, coordinator, first_name="Ny", last_name="Ceder")
    ended = register_patient(unit, coordinator, first_name="Slut", last_name="Dahl")
    add_period(actor, long, start=200, end=-30)
    give_consent(actor, long)
    episode = start_episode(actor, long, doctor)
    record_activity(actor, episode, performed_on=days_ago(15))
    add_period(actor, soon, start=30, end=-3, extent=50)
    add_period(actor, ended, start=60, end=10)
    return {"long": long, "soon": soon, "fresh": fresh, "ended": ended, "episode": episode}


def names(response) -> list[str]:
    """The patients on the page, in the page's order."""
    body = response.content.decode()
    found = [n for n in ("Lång Åkesson", "Snart Berg", "Ny Ceder", "Slut Dahl") if n in body]
    return sorted(found, key=body.index)


def test_follow_up_list_filters_and_sorts(coordinator_client, unit_list, coordinator, actor):
    response = coordinator_client.get("/koordinering/")
    assert response.status_code == 200
    assert names(response) == ["Lång Åkesson", "Snart Berg"]
    body = response.content.decode()
    assert body.index("Lång Åkesson") < body.index("Snart Berg")  # longest first
    assert "dag 201" not in body and ">201<" in body
    assert names(coordinator_client.get("/koordinering/?sort=slut")) == [
        "Snart Berg",
        "Lång Åkesson",
    ]
    # Swedish order: Å after Z.
    assert names(coordinator_client.get("/koordinering/?sort=namn")) == [
        "Snart Berg",
        "Lång Åkesson",
    ]
    assert names(coordinator_client.get("/koordinering/?sort=aktivitet")) == [
        "Snart Berg",
        "Lång Åkesson",
    ]
    ending = coordinator_client.get("/koordinering/?ends_within=7")
    assert names(ending) == ["Snart Berg"]
    assert names(coordinator_client.get(f"/koordinering/?responsible={coordinator.pk}")) == [
        "Lång Åkesson"
    ]
    assert names(coordinator_client.get("/koordinering/?responsible=0")) == ["Snart Berg"]
    assert names(coordinator_client.get("/koordinering/?min_days=100")) == ["Lång Åkesson"]
    assert names(coordinator_client.get("/koordinering/?status=aktiv")) == ["Lång Åkesson"]
    assert names(coordinator_client.get("/koordinering/?idle_days=10")) == [
        "Lång Åkesson",
        "Snart Berg",
    ]
    assert names(coordinator_client.get("/koordinering/?idle_days=20")) == ["Snart Berg"]
    bad = coordinator_client.get("/koordinering/?min_days=-4&ends_within=abc")
    assert bad.status_code == 400 and "Sjukskriven minst" in bad.content.decode()
    logged = set(
        AccessLog.objects.filter(what="uppföljningslista").values_list("patient_id", flat=True)
    )
    assert unit_list["ended"].pk not in logged and unit_list["long"].pk in logged


def test_new_since_my_last_review(coordinator_client, unit_list, actor, unit):
    # Before the first review, everything is new.
    response = coordinator_client.get("/koordinering/?only_new=on")
    assert names(response) == ["Lång Åkesson", "Snart Berg"]
    assert "inte markerat listan som genomgången" in response.content.decode()
    coordinator_client.post("/koordinering/genomgangen/", guard(unit))
    assert names(coordinator_client.get("/koordinering/?only_new=on")) == []
    add_period(actor, unit_list["fresh"], start=2, end=-12)
    response = coordinator_client.get("/koordinering/?only_new=on")
    assert names(response) == ["Ny Ceder"]
    assert "1 ny sedan din senaste genomgång" in response.content.decode()


def test_hidden_personnummer_are_not_in_the_html(coordinator_client, unit_list, unit):
    number = unit_list["long"].formatted_identity
    assert number in coordinator_client.get("/koordinering/").content.decode()
    # The screen-sharing switch in the header, for the whole session.
    response = coordinator_client.post(
        "/skarmdelning/", {**guard(unit), "on": "1", "next": "/koordinering/?sort=namn"}
    )
    assert response.url == "/koordinering/?sort=namn"
    body = coordinator_client.get("/koordinering/").content.decode()
    assert number not in body and number.replace("-", "") not in body
    assert f"född {unit_list['long'].birth_date.year}" in body
    assert "Avsluta skärmdelning" in body
    csv = coordinator_client.get("/koordinering/?format=csv").content.decode("utf-8-sig")
    assert number not in csv and "Personnummer" not in csv
    coordinator_client.post("/skarmdelning/", {**guard(unit), "on": "0"})
    assert number in coordinator_client.get("/koordinering/").content.decode()


def test_exports_are_logged(coordinator_client, unit_list, production_static):
    response = coordinator_client.get("/koordinering/?format=csv")
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Efternamn;Förnamn;Personnummer;Dagar")
    assert "Åkesson;Lång" in text and "Dahl" not in text
    assert AccessLog.objects.filter(action="export", what="uppföljningslista (csv)").count() == 2

    text = printed_text(coordinator_client.get("/koordinering/?format=pdf"))
    assert "Omfattas av sekretess" in text and "Lång Åkesson" in text
    assert AccessLog.objects.filter(action="print", what="uppföljningslista (pdf)").count() == 2


def test_follow_up_list_query_count_is_flat(coordinator_client, actor, unit, coordinator, doctor):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert coordinator_client.get("/koordinering/").status_code == 200
        return len(queries)

    def add(n):
        for index in range(n):
            patient = register_patient(unit, coordinator, last_name=f"Patient{index}")
            add_period(actor, patient, start=20 + index, end=-5)
            if index % 2:
                give_consent(actor, patient)
                start_episode(actor, patient, doctor)

    add(2)
    small = count()
    add(8)
    assert count() == small


def test_list_needs_a_care_or_manager_assignment(client, unit):
    admin = staff_at(unit, role=Role.ADMINISTRATION, profession=Profession.VARDADMINISTRATOR)
    client.force_login(admin)
    assert client.get("/koordinering/").status_code == 403


def test_empty_list_explains_what_to_do(coordinator_client):
    body = coordinator_client.get("/koordinering/").content.decode()
    assert "Lägg till sjukskrivningsperiod" in body


def test_htmx_list_returns_the_partial(coordinator_client, unit_list):
    response = coordinator_client.get("/koordinering/?sort=namn", **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="follow-list"')
    assert "HX-Request" in response["Vary"]


def plan_data(unit, **overrides):
    data = {
        **guard(unit),
        "based_on": "0",
        "goals": "Arbeta heltid som lärare igen till sportlovet.",
        "step_1_from": days_ago(-14).isoformat(),
        "step_1_work": "50",
        "step_1_note": "Förmiddagar",
        "step_2_from": days_ago(-42).isoformat(),
        "step_2_work": "100",
        "planned_sick_leave": "50 % i fyra veckor, därefter friskskriven.",
        "collaboration": ["arbetsgivare"],
        "next_follow_up": days_ago(-21).isoformat(),
    }
    data.update(overrides)
    return data


def test_plan_drawn_up_followed_up_and_printed(
    coordinator_client, episode, unit, production_static
):
    from coordination.models import PlanVersion

    url = f"/koordinering/arenden/{episode.pk}/plan/"
    page = coordinator_client.get(f"/koordinering/arenden/{episode.pk}/").content.decode()
    assert "Ingen plan ännu" in page and "Upprätta plan" in page
    assert "KVÅ DV077" in coordinator_client.get(url).content.decode()
    bad = coordinator_client.post(url, plan_data(unit, step_1_work=""))
    body = bad.content.decode()
    assert bad.status_code == 400 and "25, 50, 75 eller 100" in body
    assert "50 % i fyra veckor" in body  # nothing typed is lost
    response = coordinator_client.post(url, plan_data(unit))
    assert response.status_code == 302
    page = coordinator_client.get(f"/koordinering/arenden/{episode.pk}/").content.decode()
    assert "Version 1, upprättad" in page and "arbetar 50 %" in page
    form = coordinator_client.get(url).content.decode()
    assert "Följ upp planen (version 1)" in form and "Arbeta heltid som lärare" in form

    follow = plan_data(unit, based_on="1", follow_up_note="Går bra, ökar tidigare.")
    assert coordinator_client.post(url, follow).status_code == 302
    stale = coordinator_client.post(url, plan_data(unit, based_on="1", follow_up_note="x"))
    assert stale.status_code == 400 and "ny version av planen" in stale.content.decode()
    assert [v.kva_code for v in PlanVersion.objects.order_by("number")] == ["DV077", "AW026"]

    text = printed_text(
        coordinator_client.get(f"/koordinering/arenden/{episode.pk}/plan.pdf?version=1")
    )
    assert "Plan för återgång i arbete" in text and "Version 1" not in text.split("Mål")[1]
    assert "Förmiddagar" in text and "Omfattas av sekretess" in text
    assert AccessLog.objects.filter(action="print", what="vårdplan").count() == 1


def test_another_units_sick_leave_period_is_404_with_a_denied_row(
    client, actor, patient, other_unit
):
    """A patient known at both units: the other unit's period id is refused and logged, not
    answered "already removed"."""
    period = add_period(actor, patient)
    colleague = staff_at(other_unit, profession=Profession.REHABKOORDINATOR)
    register_patient(other_unit, colleague, identity=patient.identity_number)
    client.force_login(colleague)
    url = f"/patienter/{patient.pk}/koordinering/sjukskrivning/{period.pk}/ta-bort/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "Fel"}).status_code == 404
    period.refresh_from_db()
    assert period.voided_at is None
    denied = AccessLog.objects.filter(action="denied", user=colleague)
    assert denied.count() == 2
    assert {(row.patient_id, row.what) for row in denied} == {
        (patient.pk, f"sjukskrivningsperiod {period.pk}")
    }


def test_a_plan_pdf_without_a_plan_prints_nothing(coordinator_client, episode):
    response = coordinator_client.get(f"/koordinering/arenden/{episode.pk}/plan.pdf")
    assert response.status_code == 302
    assert not AccessLog.objects.filter(action="print").exists()
