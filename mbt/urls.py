from django.urls import path

from mbt import views
from mbt.views import conference

app_name = "mbt"

urlpatterns = [
    path("mbt/", views.index, name="index"),
    path("mbt/team/", views.team, name="team"),
    path("mbt/serie/ny/", views.series_create, name="series_create"),
    path("mbt/moten/<int:meeting_id>/", views.meeting, name="meeting"),
    path("mbt/moten/<int:meeting_id>/andra/", views.meeting_edit, name="meeting_edit"),
    path("mbt/moten/<int:meeting_id>/deltagande/", views.participation, name="participation"),
    path("mbt/moten/<int:meeting_id>/dagordning.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("mbt/moten/<int:meeting_id>/kalender.ics", views.meeting_ics, name="meeting_ics"),
    path("mbt/anmal/", views.register, name="register"),
    path("mbt/anmal/patient/", views.register_lookup, name="register_lookup"),
    path("mbt/arenden/<int:case_id>/", views.case, name="case"),
    path("mbt/arenden/<int:case_id>/flytta/<str:direction>/", views.case_move, name="case_move"),
    path("mbt/arenden/<int:case_id>/minuter/", views.case_minutes, name="case_minutes"),
    path("mbt/arenden/<int:case_id>/forberedd/", views.case_prepared, name="case_prepared"),
    path("mbt/arenden/<int:case_id>/sen/", views.case_late, name="case_late"),
    path(
        "mbt/arenden/<int:case_id>/nasta-mote/", views.case_next_meeting, name="case_next_meeting"
    ),
    path("mbt/arenden/<int:case_id>/samtycke/", views.case_consent, name="case_consent"),
    path("mbt/flyttade/sedda/", views.moves_seen, name="moves_seen"),
    path("mbt/moten/<int:meeting_id>/konferens/", conference.conference, name="conference"),
    path("mbt/moten/<int:meeting_id>/narvaro/", conference.attendance, name="attendance"),
    path("mbt/moten/<int:meeting_id>/avsluta/", conference.close, name="close"),
    path("mbt/moten/<int:meeting_id>/protokoll/", conference.minutes, name="minutes"),
    path("mbt/moten/<int:meeting_id>/protokoll.pdf", conference.minutes_pdf, name="minutes_pdf"),
    path("mbt/arenden/<int:case_id>/diskussion/", conference.discussion, name="discussion"),
    path("mbt/arenden/<int:case_id>/atgarder/", conference.action_add, name="action_add"),
    path("mbt/arenden/<int:case_id>/bordlagg/", conference.postpone, name="postpone"),
    path("mbt/atgarder/<int:item_id>/klar/", conference.action_done, name="action_done"),
    path("mbt/uppgifter/", conference.tasks, name="tasks"),
    path("mbt/uppgifter/flytta/", conference.reassign_all, name="reassign_all"),
    path("mbt/aterkoppling/<int:task_id>/", conference.task, name="task"),
    path("mbt/indikatorer/", conference.indicators, name="indicators"),
    path("mbt/kalender/", views.calendar_settings, name="calendar"),
    path("mbt/kalender/<str:token>.ics", views.feed, name="feed"),
]
