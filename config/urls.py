from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from config import views

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", views.healthz, name="healthz"),
    path("skarmdelning/", views.screen_sharing_switch, name="screen_sharing"),
    path("accounts/", include("accounts.urls")),
    path("logguppfoljning/inloggningar/", accounts_views.auth_event_log, name="auth_event_log"),
    path("", include("journal.urls")),
    path("", include("consent.urls")),
    path("", include("mbt.urls")),
    path("", include("coordination.urls")),
    path("admin/", admin.site.urls),
]

# A database that went away while middleware loaded the session answers 503, not 500.
handler500 = "config.views.server_error"
