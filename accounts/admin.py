"""Administration of set-up data: care providers, units, staff, their assignments and external
organisations. Changes are kept in history (simple-history) with who made them."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from accounts import services
from accounts.models import Assignment, AuthEvent, CareUnit, Organisation, User, Vardgivare


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's page for an old version lets anyone who may *view* the object post it
    back ("revert"), through a form built without the change checks: a viewer could reopen an
    ended assignment or reactivate a user. A revert is a change, so it needs the change
    permission on the object as it is now."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            current = self.get_object(request, object_id)
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["unit", "role", "valid_from", "valid_to"]
    autocomplete_fields = ["unit"]
    can_delete = False


# django-otp's own admin pages would show the authenticators' secret keys: an administrator
# resets a user's second factor with the action below instead, and that is logged.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def _issue_codes(modeladmin, request, queryset, issue, title):
    """Runs `issue` for each selected user and shows the aktiveringskoder once, on a page of
    their own (never in a message, which would travel in a cookie)."""
    refused = [u for u in queryset if u.is_superuser and not request.user.is_superuser]
    if refused:
        modeladmin.message_user(
            request,
            _("Bara en superanvändare kan ändra en superanvändares inloggning."),
            messages.ERROR,
        )
        return None
    issued = [issue(request=request, user=user, actor=request.user) for user in queryset]
    return TemplateResponse(
        request,
        "admin/accounts/enrolment_codes.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "issued": issued,
            "hours": settings.ENROLMENT_CODE_HOURS,
        },
    )


@admin.action(
    description=_("Återställ tvåfaktorsinloggning (t.ex. borttappad telefon)"),
    permissions=["change"],
)
def reset_second_factor(modeladmin, request, queryset):
    return _issue_codes(
        modeladmin,
        request,
        queryset,
        services.second_factor_reset,
        _("Tvåfaktorsinloggningen är återställd"),
    )


@admin.action(
    description=_("Skapa aktiveringskod för tvåfaktorsinloggning"), permissions=["change"]
)
def create_enrolment_code(modeladmin, request, queryset):
    return _issue_codes(
        modeladmin,
        request,
        queryset,
        services.enrolment_code_create,
        _("Aktiveringskoder"),
    )


@admin.register(User)
class UserAdmin(HistoryAdmin, DjangoUserAdmin):
    """Only a superuser grants or removes superuser status or changes a superuser's account
    (details, password, assignments): otherwise anyone with change_user could make themselves
    superuser. The form shows such fields and accounts read-only, and saving checks again, since
    a form is not the only way to post (an old version from history carries its own values)."""

    actions = [create_enrolment_code, reset_second_factor]
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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            was_superuser = change and User.objects.filter(pk=obj.pk, is_superuser=True).exists()
            if obj.is_superuser or was_superuser:
                raise PermissionDenied
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # Staff are deactivated, never deleted: their names stay on what they wrote.
        return False


@admin.register(Vardgivare)
class VardgivareAdmin(HistoryAdmin):
    list_display = ["name", "kind", "hsa_id", "organisation_number"]
    search_fields = ["name", "hsa_id"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CareUnit)
class CareUnitAdmin(HistoryAdmin):
    list_display = ["name", "vardgivare", "hsa_id", "is_active"]
    list_filter = ["vardgivare", "is_active"]
    search_fields = ["name", "hsa_id"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(HistoryAdmin):
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
class OrganisationAdmin(HistoryAdmin):
    list_display = ["name", "kind", "vardgivare", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "organisation_number"]
    autocomplete_fields = ["vardgivare"]

    def has_delete_permission(self, request, obj=None):
        return False


class AccountFilter(admin.SimpleListFilter):
    """Events that matched no account (a typed username, an unknown HSA-id) belong to no unit, so
    managers do not see them in Inloggningshändelser: reviewing them is the system
    administrators' task, here."""

    title = _("konto")
    parameter_name = "konto"

    def lookups(self, request, model_admin):
        return [("inget", _("Inget konto")), ("finns", _("Känt konto"))]

    def queryset(self, request, queryset):
        if self.value() == "inget":
            return queryset.filter(user__isnull=True)
        if self.value() == "finns":
            return queryset.filter(user__isnull=False)
        return queryset


@admin.register(AuthEvent)
class AuthEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only in the database too. The whole log, for system
    administrators (superusers, or staff given view_authevent)."""

    list_display = ["at", "kind", "method", "user", "username", "hsa_id", "reason", "ip"]
    list_filter = [AccountFilter, "kind", "method"]
    search_fields = ["user__username", "username", "hsa_id", "ip"]
    date_hierarchy = "at"
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
