from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.AtergangLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("enhet/", views.choose_unit, name="choose_unit"),
    path("session/", views.session_status, name="session_status"),
    path("session/forlang/", views.session_keepalive, name="session_keepalive"),
]
