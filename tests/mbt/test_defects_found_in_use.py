"""Small defects found when the app was tried as a real MBT week is run (issue 17, item 6): each
reached the record or lost work. A test each, through the page where it showed."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Organisation, Profession
from journal.models import EntryType, JournalEntry
from journal.services import journal_entry_create
from mbt import services
from mbt.models import Attendance, CaseReferral, Discussion, FeedbackTask, MbtRole, Meeting
from tests.factories import (
    OrganisationFactory,
    VardgivareFactory,
    actor_for,
    register_patient,
    staff_at,
)
from tests.pdfs import printed

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_signing_a_note_asks_once(clinician_client, clinician, unit):
    patient = register_patient(unit, clinician)
    journal_entry_create(
        actor=actor_for(clinician, unit),
        patient=patient,
        entry_type=EntryType.ANTECKNING,
        text="Utkast.",
        sign=False,
    )
    page = clinician_client.get(f"/patienter/{patient.pk}/").content.decode()
    sign_form = re.search(r'<form[^>]*/signera/"[^>]*>', page, re.S).group(0)
    # static/js/app.js asks data-confirm before htmx sees the submit; hx-confirm asked again.
    assert sign_form.count("data-confirm=") == 1
    assert "hx-confirm" not in sign_form


DOUBLE_SUBMIT = r"""
const fs = require("fs"), vm = require("vm");
const listeners = {};
const document = {
  addEventListener(type, fn) { (listeners[type] = listeners[type] || []).push(fn); },
  querySelectorAll() { return []; }, querySelector() { return null; },
  getElementById() { return null; }, body: { dataset: {} },
};
const window = { addEventListener() {}, setTimeout, clearTimeout };
vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"), { document, window });
// As in a browser: a control named "method" shadows the form's own `method` property.
const form = {
  method: { name: "method", value: "telefon" },
  getAttribute(name) { return name === "method" ? "post" : null; },
  hasAttribute() { return false; },
  dataset: {},
};
function submit() {
  const event = {
    target: form, submitter: null, defaultPrevented: false,
    preventDefault() { this.defaultPrevented = true; }, stopImmediatePropagation() {},
  };
  listeners.submit.forEach((listener) => listener(event));
  return event.defaultPrevented;
}
console.log(JSON.stringify([submit(), submit()]));
"""


def test_a_field_named_method_keeps_the_double_submit_guard(client, unit):
    owner = staff_at(unit, username="erik", profession=Profession.LAKARE)
    patient = register_patient(unit, owner)
    meeting = Meeting.objects.create(
        team=services.team_for(unit), starts_at=timezone.now() - datetime.timedelta(days=1)
    )
    case = CaseReferral.objects.create(
        unit=unit, meeting=meeting, patient=patient, registrant=owner, question="Fråga?"
    )
    entry = journal_entry_create(
        actor=actor_for(owner, unit),
        patient=patient,
        entry_type=EntryType.MBT_KONFERENS,
        text="Konferens.",
        sign=False,
    )
    task = FeedbackTask.objects.create(
        case=case, owner=owner, due_on=timezone.localdate(), conference_entry=entry
    )
    client.force_login(owner)
    page = client.get(f"/mbt/aterkoppling/{task.pk}/").content.decode()
    assert 'name="method"' in page  # the feedback form has such a field

    # The guard in static/js/app.js, run as the browser runs it: the first submit goes, the
    # second is stopped. (It used to throw "form.method.toLowerCase is not a function".)
    result = subprocess.run(
        ["node", "-e", DOUBLE_SUBMIT, str(ROOT / "static" / "js" / "app.js")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, True]


def test_an_empty_choice_is_in_swedish(coordinator_client):
    page = coordinator_client.get("/mbt/team/").content.decode()
    assert "Select an option" not in page
    assert '<option value="" selected>Välj …</option>' in page


def test_the_conference_entry_names_each_participant_once(coordinator_client, actor, team, unit):
    fysio = OrganisationFactory(
        name="Fysiokliniken Väst AB",
        kind=Organisation.Kind.VARDGIVARE,
        vardgivare=VardgivareFactory(name="Fysiokliniken Väst AB"),
    )
    fk = OrganisationFactory(name="Försäkringskassan", kind=Organisation.Kind.FORSAKRINGSKASSAN)
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena Sund", email="", role=MbtRole.FK
    )
    jonas = services.member_add_external(
        actor=actor, organisation=fysio, name="Jonas Ek", email="", role=MbtRole.FYSIOTERAPEUT
    )
    internal_physio = team.members.get(role=MbtRole.FYSIOTERAPEUT, user__isnull=False)
    now = timezone.now()
    meeting = Meeting.objects.create(
        team=team, starts_at=now - datetime.timedelta(minutes=30), chair=actor.user
    )
    for member, mode in ((internal_physio, "digitalt"), (jonas, "digitalt")):
        services.attendance_set(actor=actor, meeting=meeting, member=member, mode=mode)
    patient = register_patient(unit, actor.user)
    case = CaseReferral.objects.create(
        unit=unit, meeting=meeting, patient=patient, registrant=actor.user, question="Fråga?"
    )
    from consent import services as consent_services

    consent_services.consent_give(
        actor=actor, patient=patient, scope="mbt", form="muntligt", given_on=timezone.localdate()
    )
    services.discussion_save(
        actor=actor, case=case, summary="", outcomes=["fysioterapeut"], version=0
    )

    response = coordinator_client.post(f"/mbt/moten/{meeting.pk}/avsluta/")
    assert response.status_code == 302
    entry = JournalEntry.objects.get(entry_type=EntryType.MBT_KONFERENS)
    participants = re.search(r"Deltagare: (.*)\.\n", entry.text).group(1)
    # Commas outside brackets part the participants; how they took part is in brackets.
    names = [p.strip() for p in re.split(r",(?![^(]*\))", participants)]
    assert names == [
        "rehabiliteringskoordinator",
        "läkare",
        "fysioterapeut (digitalt)",
        "kurator",
        "vårdadministratör",
        "Försäkringskassan (extern)",
        "fysioterapeut från Fysiokliniken Väst AB (extern och digitalt)",
    ]
    assert Attendance.objects.filter(meeting=meeting, mode="digitalt").count() == 2


def test_printed_documents_say_omfattas_av_sekretess_once_a_page(
    coordinator_client, actor, meeting, unit, production_static
):
    for index in range(14):
        services.case_register(
            actor=actor,
            patient=register_patient(unit, actor.user),
            meeting=meeting,
            question=f"Fråga {index}: " + "arbetsförmåga och rehabilitering " * 12,
            background="Bakgrund " * 40,
        )
    reader = printed(coordinator_client.get(f"/mbt/moten/{meeting.pk}/dagordning.pdf"))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert page.extract_text().lower().count("omfattas av sekretess") == 1


def test_a_text_too_long_is_refused_with_a_counter_never_cut(
    coordinator_client, actor, meeting, unit
):
    patient = register_patient(unit, actor.user)
    question = "Lång frågeställning. " * 500  # 10 500 characters; the field takes 2 000
    response = coordinator_client.post(
        "/mbt/anmal/",
        {
            "patient": patient.pk,
            "meeting": meeting.pk,
            "question": question,
            "late_choice": "next",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    textarea = re.search(r'<textarea name="question"[^>]*>', page).group(0)
    # The browser is not told to cut (maxlength); the counter reads data-maxlength.
    assert 'data-maxlength="2000"' in textarea and " maxlength=" not in textarea
    assert question.strip() in page  # given back whole
    assert "2000 tecken" in page
    assert not CaseReferral.objects.exists()


def test_a_discussion_too_long_is_refused_and_kept(coordinator_client, actor, unit, team):
    meeting = Meeting.objects.create(
        team=team, starts_at=timezone.now() - datetime.timedelta(minutes=10), chair=actor.user
    )
    case = CaseReferral.objects.create(
        unit=unit,
        meeting=meeting,
        patient=register_patient(unit, actor.user),
        registrant=actor.user,
        question="Fråga?",
    )
    summary = "x" * 20_001
    response = coordinator_client.post(
        f"/mbt/arenden/{case.pk}/diskussion/",
        {"summary": summary, "version": 0},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "20\u00a0001 tecken" in response.content.decode()
    assert not Discussion.objects.exists()
