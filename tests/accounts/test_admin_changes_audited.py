"""Django admin holds no case records, and every change made there is audited: staff changes
through accounts.services, configuration through AuditedModelAdmin."""

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.forms import MultiWidget
from django.test import RequestFactory
from django.urls import reverse

from accounts.admin import ServiceAccountAdmin, StaffAdmin
from accounts.admin_site import AuditedModelAdmin
from accounts.models import (
    ApiToken,
    AuditEvent,
    Locality,
    PartnerAgency,
    Role,
    ServiceAccount,
    Team,
    User,
)
from referrals.models import EligibilityRule, OutcomeMeasure, Pathway

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-42"

# What may be in Django admin at all: the organisation's configuration, staff (service
# accounts too), API tokens (read and revoked only) and the (read-only) audit trail.
# Everything else in these apps is a case record.
OUR_APPS = {"accounts", "families", "referrals", "supervision", "outcomes"}
CONFIGURATION = {
    Locality,
    Team,
    PartnerAgency,
    Pathway,
    OutcomeMeasure,
}


@pytest.fixture
def root(make_user) -> User:
    return make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)


def posted_back(response: Any) -> dict[str, Any]:
    """What an admin change page would post back unchanged: its form and inline formsets."""
    forms = [response.context["adminform"].form]
    data: dict[str, Any] = {}
    for inline in response.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        forms += inline.formset.forms
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if field.disabled or value is None or value is False:
                continue
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{form[name].html_name}_{index}"] = part
            else:
                data[form[name].html_name] = "on" if value is True else value
    return data


def events_for(obj: Any, action: str = "update"):
    return AuditEvent.objects.filter(
        action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )


# What is registered ---------------------------------------------------------------------------


def test_no_case_record_is_registered_in_django_admin():
    registered = set(admin.site._registry)
    ours = {model for model in registered if model._meta.app_label in OUR_APPS}

    assert ours - CONFIGURATION - {User, ServiceAccount, ApiToken, AuditEvent} == set()
    # A sample of the case records, by name, in case the allowlist above ever grows.
    for label in (
        "families.Family",
        "families.Person",
        "families.StatusEpisode",
        "families.Contact",
        "families.ClosureRequest",
        "referrals.Referral",
        "referrals.MeasureReading",
        "referrals.CycleOfChangeEntry",
    ):
        assert apps.get_model(label) not in registered


def test_every_admin_of_ours_audits_its_changes_or_changes_nothing(root):
    request = RequestFactory().get("/admin/")
    request.user = root
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        changes_nothing = not (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        through_services = StaffAdmin | ServiceAccountAdmin  # accounts.services audits
        assert isinstance(model_admin, AuditedModelAdmin | through_services) or changes_nothing, (
            model
        )


def test_the_pathway_page_shows_eligibility_rules_but_they_change_only_on_the_rules_page(
    client_for, root
):
    pathway = Pathway.objects.get(code="dmt")
    rules_before = list(EligibilityRule.objects.filter(pathway=pathway).values())
    client = client_for(root)
    url = reverse("admin:referrals_pathway_change", args=[pathway.pk])
    page = client.get(url)
    data = posted_back(page)
    new = int(data["rules-TOTAL_FORMS"])
    data["rules-TOTAL_FORMS"] = str(new + 1)
    data.update(
        {
            f"rules-{new}-kind": "adult_age_between",
            f"rules-{new}-params": '{"min": 18, "max": 99}',
            f"rules-{new}-in_force_from": "2024-01-01",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302
    assert "child_status_in" in page.content.decode()
    assert list(EligibilityRule.objects.filter(pathway=pathway).values()) == rules_before
    assert not AuditEvent.objects.filter(object_type="referrals.eligibilityrule").exists()


# Configuration ------------------------------------------------------------------------------


def test_adding_changing_and_deleting_a_team_in_django_admin_are_each_audited(client_for, root):
    west = Locality.objects.create(name="West")
    client = client_for(root)

    client.post(reverse("admin:accounts_team_add"), {"name": "SASS West 9", "locality": west.pk})
    team = Team.objects.get(name="SASS West 9")
    url = reverse("admin:accounts_team_change", args=[team.pk])
    data = posted_back(client.get(url))
    client.post(url, {**data, "fathers_training_on": "2024-05-01"})
    client.post(reverse("admin:accounts_team_delete", args=[team.pk]), {"post": "yes"})

    assert not Team.objects.filter(name="SASS West 9").exists()
    rows = AuditEvent.objects.filter(object_type="accounts.team", object_id=str(team.pk))
    assert sorted((row.action, row.actor, row.detail.get("fields")) for row in rows) == [
        ("create", root, ["locality", "name"]),
        ("delete", root, None),
        ("update", root, ["fathers_training_on"]),
    ]
    assert not any("SASS West 9" in str(row.detail) for row in rows)


def test_a_pathway_stage_changed_in_django_admin_is_audited_by_field_name(client_for, root):
    pathway = Pathway.objects.get(code="dmt")
    stage = pathway.stages.order_by("order").first()
    client = client_for(root)
    url = reverse("admin:referrals_pathway_change", args=[pathway.pk])
    data = posted_back(client.get(url))
    index = next(key for key, value in data.items() if key.endswith("-id") and value == stage.pk)
    data[index.replace("-id", "-name")] = "First contact"

    response = client.post(url, data)

    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.name == "First contact"
    [event] = events_for(stage)
    assert (event.actor, event.detail["fields"]) == (root, ["name"])


# Staff ----------------------------------------------------------------------------------------


def test_changing_a_role_in_django_admin_writes_one_audit_row_naming_the_user_and_field(
    client_for, root, alice
):
    client = client_for(root)
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    data = posted_back(client.get(url))
    data["role"] = Role.TEAM_MANAGER

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    alice.refresh_from_db()
    assert alice.role == Role.TEAM_MANAGER
    [event] = events_for(alice)
    assert (event.actor, event.object_id) == (root, str(alice.pk))
    assert event.detail == {"fields": ["role"]}


def test_changing_a_password_in_django_admin_writes_one_audit_row_without_the_password(
    client_for, root, alice
):
    client = client_for(root)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    [event] = events_for(alice)
    assert (event.actor, event.object_id) == (root, str(alice.pk))
    assert event.detail == {"fields": ["password"]}
    assert NEW_PASSWORD not in str(event.detail) + event.object_reference


def test_a_password_too_weak_is_refused_and_nothing_is_audited(client_for, root, alice):
    response = client_for(root).post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {"password1": "password", "password2": "password", "usable_password": "true"},
    )

    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    alice.refresh_from_db()
    assert not alice.check_password("password")
    assert not events_for(alice).exists()


def test_granting_the_import_permission_in_django_admin_is_audited(client_for, root, alice):
    client = client_for(root)
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    data = posted_back(client.get(url))

    client.post(url, {**data, "can_import_cases": "on"})

    alice.refresh_from_db()
    assert alice.can_import_cases
    [event] = events_for(alice)
    assert event.detail == {"fields": ["can_import_cases"]}


def test_deactivating_a_member_of_staff_in_django_admin_is_audited(client_for, root, alice):
    client = client_for(root)
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    data = posted_back(client.get(url))
    del data["is_active"]

    client.post(url, data)

    alice.refresh_from_db()
    assert not alice.is_active
    [event] = events_for(alice)
    assert event.detail == {"fields": ["is_active"]}


def test_adding_a_member_of_staff_in_django_admin_is_audited_once(client_for, root, team):
    response = client_for(root).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newbie",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "first_name": "New",
            "last_name": "Worker",
            "role": Role.SOCIAL_WORKER,
            "team": team.pk,
            "fte": "1",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    newbie = User.objects.get(username="newbie")
    assert newbie.check_password(NEW_PASSWORD)
    assert (newbie.is_staff, newbie.is_superuser, newbie.can_import_cases) == (False, False, False)
    [event] = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(newbie.pk))
    assert (event.action, event.actor, event.detail) == ("create", root, {"role": "social_worker"})


def test_admin_access_follows_the_role_not_a_checkbox(client_for, root, alice):
    """Making alice an administrator gives her Django admin; nothing else can."""
    client = client_for(root)
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    data = posted_back(client.get(url))

    client.post(url, {**data, "role": Role.ADMIN, "team": ""})

    alice.refresh_from_db()
    assert (alice.role, alice.is_staff, alice.is_superuser) == (Role.ADMIN, True, True)
    [event] = events_for(alice)
    assert sorted(event.detail["fields"]) == ["is_staff", "is_superuser", "role", "team"]
    assert not alice.can_import_cases  # the admin role does not bring the import permission


def test_staff_are_deactivated_not_deleted_in_django_admin(client_for, root, alice):
    response = client_for(root).post(
        reverse("admin:accounts_user_delete", args=[alice.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert User.objects.filter(pk=alice.pk).exists()
