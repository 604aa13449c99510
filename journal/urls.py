from django.urls import path

from journal import views

app_name = "journal"

urlpatterns = [
    path("patienter/", views.patient_search, name="patient_search"),
    path("patienter/ny/", views.patient_register, name="patient_register"),
    path("patienter/<int:patient_id>/", views.patient_detail, name="patient_detail"),
    path("patienter/<int:patient_id>/andra/", views.patient_edit, name="patient_edit"),
    path("patienter/<int:patient_id>/historik/", views.patient_history, name="patient_history"),
    path(
        "patienter/<int:patient_id>/journal/ny/",
        views.journal_note_create,
        name="note_create",
    ),
    path(
        "patienter/<int:patient_id>/journal/<int:entry_id>/signera/",
        views.journal_entry_sign,
        name="entry_sign",
    ),
    path(
        "patienter/<int:patient_id>/journal/<int:entry_id>/andra/",
        views.journal_entry_edit,
        name="entry_edit",
    ),
    path(
        "patienter/<int:patient_id>/journal/<int:entry_id>/rattelse/",
        views.journal_entry_correct,
        name="entry_correct",
    ),
    path("logguppfoljning/", views.log_review, name="log_review"),
    path("logguppfoljning/uppfoljning/", views.log_review_record, name="log_review_record"),
    path("logguppfoljning/loggutdrag/", views.log_extract, name="log_extract"),
    path("logguppfoljning/installningar/", views.log_settings, name="log_settings"),
]
