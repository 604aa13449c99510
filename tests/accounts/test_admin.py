"""The Django admin for staff accounts: a member of staff who may change users, but is not a
superuser, can neither make anyone a superuser nor touch a superuser's account."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission

from accounts.models import Assignment, User
from tests.factories import PASSWORD, UserFactory, staff_at

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "ett-nytt-langt-losenord-2027"


@pytest.fixture
def changer():
    """Staff with view_user and change_user, not a superuser: a local user administrator."""
    user = UserFactory(is_staff=True, username="anvandaradmin")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    return user


@pytest.fixture
def root():
    return UserFactory(is_staff=True, is_superuser=True, username="root", hsa_id="")


def change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def form_data(user: User, **changes) -> dict:
    """What the admin's change form posts for the user as they are, with `changes`."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "profession": user.profession,
        "title": user.title,
        "hsa_id": user.hsa_id,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_user_administrator_cannot_make_themselves_superuser(client, changer):
    client.force_login(changer)
    page = client.get(change_url(changer)).content.decode()
    assert 'name="is_superuser"' not in page
    response = client.post(change_url(changer), form_data(changer, is_superuser="on"))
    changer.refresh_from_db()
    assert not changer.is_superuser
    # Read-only fields are left out of the form: the rest saves as usual.
    assert response.status_code == 302


def test_a_user_administrator_cannot_make_another_user_superuser(client, changer):
    other = UserFactory(is_staff=True)
    client.force_login(changer)
    client.post(change_url(other), form_data(other, is_superuser="on", title="Ny titel"))
    other.refresh_from_db()
    assert not other.is_superuser
    # The rest of the form is still theirs to change.
    assert other.title == "Ny titel"


def test_a_user_administrator_cannot_change_a_superuser(client, changer, root):
    client.force_login(changer)
    page = client.get(change_url(root))
    assert page.status_code == 200 and 'name="hsa_id"' not in page.content.decode()
    response = client.post(change_url(root), form_data(root, hsa_id="SE2321000016-EVIL"))
    assert response.status_code == 403
    password = client.post(
        f"/admin/accounts/user/{root.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert password.status_code == 403
    root.refresh_from_db()
    assert root.hsa_id == "" and root.check_password(PASSWORD)


def test_a_user_administrator_cannot_restore_superuser_status_from_history(client, changer):
    former = UserFactory(is_staff=True, is_superuser=True)
    superuser_version = former.history.latest().history_id
    former.is_superuser = False
    former.save()
    client.force_login(changer)
    response = client.post(
        f"/admin/accounts/user/{former.pk}/history/{superuser_version}/",
        form_data(former, is_superuser="on"),
    )
    former.refresh_from_db()
    assert not former.is_superuser
    assert response.status_code == 403


def test_a_superuser_still_grants_and_edits_superusers(client, root):
    other = UserFactory(is_staff=True)
    client.force_login(root)
    page = client.get(change_url(other)).content.decode()
    assert 'name="is_superuser"' in page
    client.post(change_url(other), form_data(other, is_superuser="on"))
    other.refresh_from_db()
    assert other.is_superuser
    client.post(change_url(other), form_data(other, hsa_id="SE2321000016-ROOT"))
    other.refresh_from_db()
    assert other.hsa_id == "SE2321000016-ROOT"


def test_staff_who_may_only_view_cannot_revert_from_history(client, unit):
    """Reverting to an old version is a change: an ended assignment must not come back through
    the history page of someone who may only look."""
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "view_assignment"])
    )
    deactivated = staff_at(unit)
    active_version = deactivated.history.latest().history_id
    deactivated.is_active = False
    deactivated.save()
    assignment = Assignment.objects.get(user=deactivated)
    open_version = assignment.history.latest().history_id
    assignment.valid_to = assignment.valid_from + datetime.timedelta(days=1)
    assignment.save()
    client.force_login(viewer)
    user_revert = client.post(
        f"/admin/accounts/user/{deactivated.pk}/history/{active_version}/",
        form_data(deactivated, is_active="on"),
    )
    assignment_revert = client.post(
        f"/admin/accounts/assignment/{assignment.pk}/history/{open_version}/",
        {
            "user": deactivated.pk,
            "unit": unit.pk,
            "role": assignment.role,
            "valid_from": assignment.valid_from.isoformat(),
            "valid_to": "",
        },
    )
    deactivated.refresh_from_db()
    assignment.refresh_from_db()
    assert not deactivated.is_active and assignment.valid_to is not None
    assert user_revert.status_code == assignment_revert.status_code == 403
