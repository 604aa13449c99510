from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("patienter/<int:patient_id>/samtycken/ny/", views.consent_create, name="create"),
    path("patienter/<int:patient_id>/samtycken/blankett/", views.consent_blankett, name="blankett"),
    path(
        "patienter/<int:patient_id>/samtycken/<int:consent_id>/aterkalla/",
        views.consent_revoke,
        name="revoke",
    ),
    path(
        "patienter/<int:patient_id>/samtycken/<int:consent_id>/dokument/",
        views.consent_document,
        name="document",
    ),
    path("samtycken/gar-ut/", views.expiring, name="expiring"),
]
