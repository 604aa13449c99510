from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.AtergangLoginView.as_view(), name="login"),
    path("tvafaktor/", views.second_factor_verify, name="second_factor"),
    path("tvafaktor/aktivera/", views.second_factor_enrol, name="second_factor_enrol"),
    path("oidc/login/", views.oidc_login, name="oidc_login"),
    path("oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("logout/", views.logout_view, name="logout"),
    path("inloggning/", views.my_login, name="my_login"),
    path("inloggning/reservkoder/", views.recovery_codes, name="recovery_codes"),
    path("enhet/", views.choose_unit, name="choose_unit"),
    path("session/", views.session_status, name="session_status"),
    path("session/forlang/", views.session_keepalive, name="session_keepalive"),
]
