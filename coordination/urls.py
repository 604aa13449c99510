from django.urls import path

from coordination import views

app_name = "coordination"

urlpatterns = [
    path("koordinering/", views.index, name="index"),
    path("koordinering/genomgangen/", views.follow_up_reviewed, name="reviewed"),
    path("koordinering/flytta-arenden/", views.reassign_all, name="reassign_all"),
    path("koordinering/diagnoskontroll/", views.diagnosis_check, name="diagnosis_check"),
    path("koordinering/import/", views.sick_leave_import, name="import"),
    path("koordinering/statistik/", views.statistics, name="statistics"),
    path("koordinering/import/bekrafta/", views.sick_leave_import_confirm, name="import_confirm"),
    path(
        "patienter/<int:patient_id>/koordinering/sjukskrivning/",
        views.sick_leave_create,
        name="sick_leave_create",
    ),
    path(
        "patienter/<int:patient_id>/koordinering/sjukskrivning/<int:period_id>/ta-bort/",
        views.sick_leave_void,
        name="sick_leave_void",
    ),
    path(
        "patienter/<int:patient_id>/koordinering/status/",
        views.status_update,
        name="status_update",
    ),
    path(
        "patienter/<int:patient_id>/koordinering/starta/",
        views.episode_start,
        name="episode_start",
    ),
    path("koordinering/arenden/<int:episode_id>/", views.episode, name="episode"),
    path("koordinering/arenden/<int:episode_id>/andra/", views.episode_edit, name="episode_edit"),
    path("koordinering/arenden/<int:episode_id>/avsluta/", views.episode_end, name="episode_end"),
    path(
        "koordinering/arenden/<int:episode_id>/insatser/",
        views.activity_create,
        name="activity_create",
    ),
    path("koordinering/arenden/<int:episode_id>/fk/", views.fk_create, name="fk_create"),
    path("koordinering/arenden/<int:episode_id>/plan/", views.plan_edit, name="plan_edit"),
    path("koordinering/arenden/<int:episode_id>/plan.pdf", views.plan_pdf, name="plan_pdf"),
]
