"""A pathway's eligibility rules page: a pathway manager (or a service manager) lists, adds
and ends rules; bad input is explained and changes nothing; every change is audited; and a
rule added here changes who is eligible (referrals.services.eligibility_failures)."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role, SpecialistPathway
from families.models import LegalStatus, Membership, Person, StatusEpisode
from referrals.models import EligibilityRule, Pathway
from referrals.rules import eligibility_rule_create, eligibility_rule_end
from referrals.services import eligibility_failures

from ..factories import FamilyFactory, LocalityFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CHECK_ON = datetime.date(2024, 6, 1)


def page(response) -> str:
    return html.unescape(response.content.decode())


def _changes() -> int:
    """Audited changes to records (not views, nor signing in)."""
    changes = (AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE)
    return AuditEvent.objects.filter(action__in=changes).count()


def _rules_state() -> list[tuple]:
    return list(
        EligibilityRule.objects.order_by("pk").values_list(
            "pathway_id", "kind", "params", "in_force_from", "in_force_to"
        )
    )


@pytest.fixture
def dmt() -> Pathway:
    return Pathway.objects.get(code="dmt")


@pytest.fixture
def mental_health() -> Pathway:
    return Pathway.objects.get(code="mental_health")


@pytest.fixture
def dmt_manager(make_user):
    return make_user(
        Role.SPECIALIST, username="mgr", pathway=SpecialistPathway.DMT, leads_pathway=True
    )


@pytest.fixture
def service_manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="sm")


@pytest.fixture
def ongoing_rule(dmt, dmt_manager) -> EligibilityRule:
    return eligibility_rule_create(
        pathway=dmt,
        kind=EligibilityRule.Kind.ADULT_AGE_BETWEEN,
        min_age=18,
        max_age=25,
        in_force_from=datetime.date(2024, 1, 1),
        acting_user=dmt_manager,
    )


def _urls(code: str, rule: EligibilityRule) -> list[str]:
    return [
        reverse("referrals:rules", args=[code]),
        reverse("referrals:rule_create", args=[code]),
        reverse("referrals:rule_end", args=[code, rule.pk]),
    ]


def _age_rule(**change) -> dict:
    data = {
        "kind": "adult_age_between",
        "min_age": "16",
        "max_age": "30",
        "months": "",
        "statuses": [],
        "in_force_from": "2024-01-01",
        "in_force_to": "",
    }
    data.update(change)
    return data


# Who may use the pages --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["dmt_manager", "service_manager"])
def test_a_pathway_manager_and_a_service_manager_get_the_pages(
    request, client_for, ongoing_rule, who
):
    client = client_for(request.getfixturevalue(who))
    for url in _urls("dmt", ongoing_rule):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("role", "pathway", "leads"),
    [
        (Role.SPECIALIST, SpecialistPathway.DMT, False),
        (Role.SPECIALIST, SpecialistPathway.SUBSTANCE_USE, True),
        (Role.SOCIAL_WORKER, "", False),
        (Role.TEAM_MANAGER, "", False),
        (Role.BUSINESS_SUPPORT, "", False),
        (Role.AUDITOR, "", False),
        (Role.ADMIN, "", False),
    ],
)
def test_anyone_else_is_forbidden_and_changes_nothing(
    client_for, make_user, team, ongoing_rule, role, pathway, leads
):
    client = client_for(make_user(role, pathway=pathway, leads_pathway=leads, team=team))
    before = _rules_state()
    for url in _urls("dmt", ongoing_rule):
        assert client.get(url).status_code == 403, url
    assert client.post(_urls("dmt", ongoing_rule)[1], _age_rule()).status_code == 403
    assert (
        client.post(_urls("dmt", ongoing_rule)[2], {"in_force_to": "2024-02-01"}).status_code == 403
    )
    assert _rules_state() == before


def test_an_unknown_pathway_or_another_pathways_rule_is_not_found(
    client_for, dmt_manager, service_manager, ongoing_rule
):
    manager = client_for(dmt_manager)
    assert manager.get(reverse("referrals:rules", args=["nonsense"])).status_code == 404
    # The rule belongs to DMT: under another pathway's address it does not exist.
    service = client_for(service_manager)
    url = reverse("referrals:rule_end", args=["mental_health", ongoing_rule.pk])
    assert service.get(url).status_code == 404
    assert service.post(url, {"in_force_to": "2024-02-01"}).status_code == 404
    ongoing_rule.refresh_from_db()
    assert ongoing_rule.in_force_to is None


def test_the_waiting_list_links_to_the_rules(client_for, dmt_manager):
    text = page(client_for(dmt_manager).get(reverse("referrals:pathway", args=["dmt"])))
    assert reverse("referrals:rules", args=["dmt"]) in text


# Listing ----------------------------------------------------------------------------------


def test_the_rules_are_listed_in_words_with_their_dates(client_for, dmt_manager, ongoing_rule):
    text = page(client_for(dmt_manager).get(reverse("referrals:rules", args=["dmt"])))

    # The seeded pilot rules (ended) and the later threshold (in force), then ongoing_rule.
    assert "The adult's age" in text and "Aged 16 to 30" in text
    assert "A child under 12 months old" in text
    assert "A child is on Child protection or Pre-proceedings" in text
    assert "1 March 2022" in text and "31 March 2023" in text
    assert "Aged 18 to 25" in text
    assert text.count(">Ended</strong>") == 2
    assert text.count(">In force</strong>") == 2
    assert reverse("referrals:rule_end", args=["dmt", ongoing_rule.pk]) in text
    pilot = EligibilityRule.objects.get(pathway__code="dmt", kind="child_under_months")
    assert reverse("referrals:rule_end", args=["dmt", pilot.pk]) not in text


# Adding a rule ----------------------------------------------------------------------------


def test_an_age_rule_is_added_and_audited(client_for, dmt_manager, dmt):
    response = client_for(dmt_manager).post(
        reverse("referrals:rule_create", args=["dmt"]),
        _age_rule(in_force_from="2025-01-01", in_force_to="2025-12-31", months="6"),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:rules", args=["dmt"])
    rule = EligibilityRule.objects.latest("pk")
    assert (rule.pathway, rule.kind, rule.params) == (
        dmt,
        "adult_age_between",
        {"min": 16, "max": 30},
    )
    assert (rule.in_force_from, rule.in_force_to) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.CREATE,
        object_type="referrals.eligibilityrule",
        object_id=str(rule.pk),
    )
    assert event.actor == dmt_manager
    assert "params" not in event.detail  # the rule row holds them; the trail names it


def test_locality_status_and_months_rules_store_their_parameters(client_for, service_manager, dmt):
    chesil, west = LocalityFactory(name="Chesil"), LocalityFactory(name="West")
    client = client_for(service_manager)
    url = reverse("referrals:rule_create", args=["dmt"])
    posts = [
        {"kind": "locality_in", "localities": [west.pk, chesil.pk]},
        {"kind": "child_status_in", "statuses": ["pre_proceedings", "cp"]},
        {"kind": "child_under_months", "months": "24"},
    ]
    for post in posts:
        assert client.post(url, {"in_force_from": "2025-01-01", **post}).status_code == 302

    added = list(
        EligibilityRule.objects.filter(pathway=dmt, in_force_from=datetime.date(2025, 1, 1))
        .order_by("pk")
        .values_list("kind", "params")
    )
    assert added == [
        ("locality_in", {"localities": ["Chesil", "West"]}),
        ("child_status_in", {"statuses": ["cp", "pre_proceedings"]}),
        ("child_under_months", {"months": 24}),
    ]
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.CREATE,
            object_type="referrals.eligibilityrule",
            actor=service_manager,
        ).count()
        == 3
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            _age_rule(min_age="31", max_age="30"),
            "max_age",
            "The maximum age must be the same as or more than the minimum age",
        ),
        (_age_rule(min_age=""), "min_age", "Enter the minimum age"),
        (_age_rule(max_age="200"), "max_age", "Enter the maximum age from 0 to 120"),
        (_age_rule(min_age="sixteen"), "min_age", "Enter the minimum age as a whole number"),
        (
            _age_rule(in_force_from="2025-02-01", in_force_to="2025-01-31"),
            "in_force_to",
            "The last day in force must be the same as or after the first day in force",
        ),
        (_age_rule(in_force_from=""), "in_force_from", "Enter the first day in force"),
        (_age_rule(in_force_from="2025-02-30"), "in_force_from", "Enter a real date"),
        (_age_rule(kind=""), "kind", "Select what the rule checks"),
        (_age_rule(kind="father_is_tall"), "kind", "Select what the rule checks"),
        (
            {"kind": "child_under_months", "months": "", "in_force_from": "2025-01-01"},
            "months",
            "Enter the number of months",
        ),
        (
            {"kind": "child_under_months", "months": "0", "in_force_from": "2025-01-01"},
            "months",
            "Enter the number of months from 1 to 216",
        ),
        (
            {"kind": "locality_in", "in_force_from": "2025-01-01"},
            "localities",
            "Select at least one locality",
        ),
        (
            {"kind": "locality_in", "localities": ["999999"], "in_force_from": "2025-01-01"},
            "localities",
            "Select localities from the list",
        ),
        (
            {"kind": "child_status_in", "in_force_from": "2025-01-01"},
            "statuses",
            "Select at least one status",
        ),
        (
            {"kind": "child_status_in", "statuses": ["jail"], "in_force_from": "2025-01-01"},
            "statuses",
            "Select statuses from the list",
        ),
    ],
)
def test_a_bad_rule_is_explained_and_saves_nothing(client_for, dmt_manager, data, field, message):
    client = client_for(dmt_manager)
    before, changes = _rules_state(), _changes()

    response = client.post(reverse("referrals:rule_create", args=["dmt"]), data)

    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text
    assert message in text
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert _rules_state() == before
    assert _changes() == changes


def test_the_add_form_shows_every_kind_with_its_parameters(client_for, dmt_manager):
    LocalityFactory(name="Purbeck")
    text = page(client_for(dmt_manager).get(reverse("referrals:rule_create", args=["dmt"])))
    for label in (
        "The adult's age",
        "The age of a child in the family",
        "Where the family lives",
        "A child's legal status",
        "Minimum age in years",
        "Purbeck",
        "Pre-proceedings",
    ):
        assert label in text
    # Every kind's details are shown under it, not revealed by script: axe-core rejects the
    # aria-expanded that GOV.UK Frontend's reveal puts on a radio.
    assert "govuk-radios__conditional--hidden" not in text
    assert "data-aria-controls" not in text


# Ending a rule ----------------------------------------------------------------------------


def test_a_rule_is_ended_and_audited(client_for, dmt_manager, ongoing_rule):
    response = client_for(dmt_manager).post(
        reverse("referrals:rule_end", args=["dmt", ongoing_rule.pk]), {"in_force_to": "2024-06-30"}
    )

    assert response.status_code == 302
    ongoing_rule.refresh_from_db()
    assert ongoing_rule.in_force_to == datetime.date(2024, 6, 30)
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.UPDATE,
        object_type="referrals.eligibilityrule",
        object_id=str(ongoing_rule.pk),
    )
    assert event.detail == {"in_force_to": "2024-06-30", "was": None}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"in_force_to": "2023-12-31"},
            "The last day in force cannot be before the rule came into force, 1 January 2024",
        ),
        ({"in_force_to": ""}, "Enter the last day the rule is in force"),
        ({}, "Enter the last day the rule is in force"),
        ({"in_force_to": "yesterday"}, "Enter a real date"),
    ],
)
def test_a_bad_end_date_is_explained_and_changes_nothing(
    client_for, dmt_manager, ongoing_rule, data, message
):
    client = client_for(dmt_manager)
    before, changes = _rules_state(), _changes()

    response = client.post(reverse("referrals:rule_end", args=["dmt", ongoing_rule.pk]), data)

    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text and message in text
    assert _rules_state() == before
    assert _changes() == changes


def test_a_rule_that_has_ended_stays_as_it_was(client_for, dmt_manager):
    pilot = EligibilityRule.objects.get(pathway__code="dmt", kind="child_under_months")
    before, changes = _rules_state(), _changes()

    response = client_for(dmt_manager).post(
        reverse("referrals:rule_end", args=["dmt", pilot.pk]), {"in_force_to": "2024-01-01"}
    )

    assert "There is a problem" in page(response)
    assert "This rule ended on 31 March 2023." in page(response)
    assert _rules_state() == before
    assert _changes() == changes


def test_a_rule_ending_in_the_future_may_be_ended_sooner(dmt, dmt_manager):
    rule = eligibility_rule_create(
        pathway=dmt,
        kind="child_under_months",
        months=12,
        in_force_from=TODAY,
        in_force_to=TODAY + datetime.timedelta(days=60),
        acting_user=dmt_manager,
    )
    eligibility_rule_end(rule=rule, in_force_to=TODAY, acting_user=dmt_manager)
    rule.refresh_from_db()
    assert rule.in_force_to == TODAY


# A rule added on the page decides eligibility ---------------------------------------------


@pytest.fixture
def older_father(alice) -> Person:
    family = FamilyFactory(team=alice.team, opened_on=datetime.date(2024, 1, 1))
    PersonFactory(family=family, date_of_birth=datetime.date(2024, 2, 1))
    return PersonFactory(
        family=family, role=Membership.Role.FATHER, date_of_birth=datetime.date(1984, 1, 1)
    )


def test_a_rule_added_on_the_page_changes_who_is_eligible(
    client_for, service_manager, mental_health, older_father
):
    assert (
        eligibility_failures(
            person=older_father,
            family=older_father.membership.family,
            pathway=mental_health,
            on=CHECK_ON,
        )
        == []
    )
    client = client_for(service_manager)

    response = client.post(
        reverse("referrals:rule_create", args=["mental_health"]),
        _age_rule(in_force_from="2024-01-01"),
    )
    assert response.status_code == 302

    assert eligibility_failures(
        person=older_father,
        family=older_father.membership.family,
        pathway=mental_health,
        on=CHECK_ON,
    ) == ["The adult is not aged 16 to 30."]
    # Not in force before it started.
    assert (
        eligibility_failures(
            person=older_father,
            family=older_father.membership.family,
            pathway=mental_health,
            on=datetime.date(2023, 12, 31),
        )
        == []
    )

    rule = EligibilityRule.objects.get(pathway=mental_health)
    client.post(
        reverse("referrals:rule_end", args=["mental_health", rule.pk]),
        {"in_force_to": "2024-05-31"},
    )
    assert (
        eligibility_failures(
            person=older_father,
            family=older_father.membership.family,
            pathway=mental_health,
            on=CHECK_ON,
        )
        == []
    )


def test_a_locality_and_a_status_rule_added_on_the_page_decide_eligibility(
    client_for, service_manager, mental_health, older_father
):
    child = Membership.objects.children().get(family=older_father.membership.family).person
    StatusEpisode.objects.create(
        child=child, status=LegalStatus.CIN, start_date=datetime.date(2024, 2, 1)
    )
    elsewhere = LocalityFactory(name="Purbeck")
    client = client_for(service_manager)
    url = reverse("referrals:rule_create", args=["mental_health"])

    client.post(
        url, {"kind": "locality_in", "localities": [elsewhere.pk], "in_force_from": "2024-01-01"}
    )
    client.post(url, {"kind": "child_status_in", "statuses": ["cp"], "in_force_from": "2024-01-01"})

    assert eligibility_failures(
        person=older_father,
        family=older_father.membership.family,
        pathway=mental_health,
        on=CHECK_ON,
    ) == [
        "The family does not live in Purbeck.",
        "No child is currently on child protection.",
    ]
