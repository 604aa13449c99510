"""Administration of set-up data: care providers, units, staff, their assignments and external
organisations. Changes are kept in history (simple-history) with who made them."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Assignment, CareUnit, Organisation, User, Vardgivare

admin.site.site_header = _("Återgång – administration")
admin.site.site_title = _("Återgång")
admin.site.index_title = _("Grunddata")


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["unit", "role", "valid_from", "valid_to"]
    autocomplete_fields = ["unit"]
    can_delete = False


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "profession", "hsa_id", "is_active"]
    list_filter = ["profession", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "hsa_id", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Person"),
            {"fields": ["first_name", "last_name", "email", "profession", "title", "hsa_id"]},
        ),
        (_("Behörighet"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Tider"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "first_name",
                    "last_name",
                    "profession",
                    "hsa_id",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [AssignmentInline]

    def has_delete_permission(self, request, obj=None):
        # Staff are deactivated, never deleted: their names stay on what they wrote.
        return False


@admin.register(Vardgivare)
class VardgivareAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "hsa_id", "organisation_number"]
    search_fields = ["name", "hsa_id"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CareUnit)
class CareUnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "vardgivare", "hsa_id", "is_active"]
    list_filter = ["vardgivare", "is_active"]
    search_fields = ["name", "hsa_id"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "unit", "role", "valid_from", "valid_to"]
    list_filter = ["unit", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    date_hierarchy = "valid_from"

    def has_delete_permission(self, request, obj=None):
        # End an assignment (set "gäller till och med") instead: its history shows who had
        # access when.
        return False


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "vardgivare", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "organisation_number"]
    autocomplete_fields = ["vardgivare"]

    def has_delete_permission(self, request, obj=None):
        return False
