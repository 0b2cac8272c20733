import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Draft
from families.models import ChronologyEntry, Contact, ContactKind, Family, Membership, Person

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def contact_url(family: Family) -> str:
    return reverse("families:contact_create", args=[family.pk])


def draft_key(family: Family) -> str:
    return f"contact:family:{family.pk}"


@pytest.fixture
def amy(alices_family) -> Person:
    return PersonFactory(family=alices_family, given_name="Amy")


@pytest.fixture
def mia(alices_family) -> Person:
    return PersonFactory(family=alices_family, role=Membership.Role.MOTHER, given_name="Mia")


def a_contact(**fields) -> dict:
    return {
        "kind": ContactKind.HOME_VISIT,
        "occurred_on": YESTERDAY.isoformat(),
        "occurred_time": "14:30",
        "note": "Amy showed me her room.",
        "next_steps": "Visit again next week.",
        **fields,
    }


def no_contact_changes() -> None:
    assert not Contact.objects.exists()
    assert not ChronologyEntry.objects.exists()
    assert not AuditEvent.objects.filter(object_type="families.contact").exists()


# Who may record ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 200),
        ("bob", 200),
        ("team_manager", 200),
        ("business_support", 403),
        ("auditor", 403),
        ("charlie", 404),
        ("partner_specialist", 404),
    ],
)
def test_who_may_open_the_contact_form(client_as, alices_family, who, status):
    assert client_as(who).get(contact_url(alices_family)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("business_support", 403), ("auditor", 403), ("charlie", 404), ("partner_specialist", 404)],
)
def test_readers_and_outsiders_cannot_record_a_contact(client_as, alices_family, who, status):
    response = client_as(who).post(contact_url(alices_family), a_contact())

    assert response.status_code == status
    no_contact_changes()
    assert not Draft.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in_and_nothing_is_recorded(client_as, alices_family):
    response = client_as("anonymous").post(contact_url(alices_family), a_contact())

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    no_contact_changes()


def test_a_colleague_records_a_contact_on_the_family(client_as, bob, alices_family, amy):
    response = client_as("bob").post(contact_url(alices_family), a_contact(people_seen=[amy.pk]))

    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.family, contact.recorded_by, list(contact.people_seen.all())) == (
        alices_family,
        bob,
        [amy],
    )


# Recording --------------------------------------------------------------------------------


def test_a_contact_is_recorded_and_shown_on_the_family_pages_timeline(
    client_as, alice, alices_family, amy, mia
):
    alice_client = client_as("alice")

    response = alice_client.post(
        contact_url(alices_family),
        a_contact(people_seen=[mia.pk], children_seen_alone=[amy.pk]),
    )

    assert response.status_code == 302
    assert response.url == reverse("families:detail", args=[alices_family.pk])
    contact = Contact.objects.get()
    assert contact.kind == ContactKind.HOME_VISIT
    occurred = timezone.localtime(contact.occurred_at)
    assert (occurred.date(), occurred.time()) == (YESTERDAY, datetime.time(14, 30))
    assert contact.note == "Amy showed me her room."
    assert contact.next_steps == "Visit again next week."
    assert contact.recorded_by == alice
    assert set(contact.people_seen.all()) == {amy, mia}
    assert list(contact.children_seen_alone.all()) == [amy]
    page = alice_client.get(response.url).content.decode()
    assert "Contact recorded." in page
    assert "Amy showed me her room." in page


def test_recording_a_contact_is_audited(client_as, alice, alices_family):
    client_as("alice").post(contact_url(alices_family), a_contact())

    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE)
    assert (event.actor, event.object_type, event.object_id, event.detail) == (
        alice,
        "families.contact",
        str(Contact.objects.get().pk),
        {"family": "ALICE-1"},
    )


def test_a_significant_contact_enters_the_chronology(client_as, alices_family):
    client_as("alice").post(
        contact_url(alices_family),
        a_contact(significant="on", chronology_summary="Amy disclosed a fight at home."),
    )

    entry = ChronologyEntry.objects.get()
    assert (entry.summary, entry.occurred_on, entry.contact) == (
        "Amy disclosed a fight at home.",
        YESTERDAY,
        Contact.objects.get(),
    )


def test_the_form_offers_only_this_familys_people_with_today_filled_in(
    client_as, alices_family, amy, mia
):
    PersonFactory(given_name="Stranger")

    form = client_as("alice").get(contact_url(alices_family)).context["form"]

    assert set(form.fields["people_seen"].queryset) == {amy, mia}
    assert list(form.fields["children_seen_alone"].queryset) == [amy]
    assert form.initial["occurred_on"] == timezone.localdate()


# Errors and drafts ------------------------------------------------------------------------


def test_a_contact_without_a_note_shows_the_error_and_keeps_the_text_as_a_draft(
    client_as, alice, alices_family
):
    response = client_as("alice").post(
        contact_url(alices_family), a_contact(note="", next_steps="Ring the school.")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter what happened" in page
    assert "Ring the school." in page  # still in the form
    no_contact_changes()
    draft = Draft.objects.get(user=alice, key=draft_key(alices_family))
    assert draft.data["next_steps"] == ["Ring the school."]
    assert draft.data["note"] == [""]
    assert "csrfmiddlewaretoken" not in draft.data


def test_a_later_visit_to_the_form_offers_the_kept_draft(client_as, alices_family):
    alice_client = client_as("alice")
    alice_client.post(contact_url(alices_family), a_contact(occurred_time="", note="Half a note"))

    response = alice_client.get(contact_url(alices_family))

    assert response.context["draft"].data["note"] == ["Half a note"]
    page = response.content.decode()
    assert "Unsaved work" in page
    assert "You have unsaved text from" in page
    assert "Half a note" in page


def test_a_colleagues_draft_is_not_offered(client_as, alices_family):
    client_as("bob").post(contact_url(alices_family), a_contact(occurred_time="", note="Bob's"))

    response = client_as("alice").get(contact_url(alices_family))

    assert response.context["draft"] is None
    assert "Bob&#x27;s" not in response.content.decode()


def test_saving_the_contact_deletes_the_draft(client_as, alice, alices_family):
    alice_client = client_as("alice")
    alice_client.post(contact_url(alices_family), a_contact(note=""))
    assert Draft.objects.filter(user=alice).exists()

    response = alice_client.post(contact_url(alices_family), a_contact())

    assert response.status_code == 302
    assert not Draft.objects.filter(user=alice).exists()
    assert Contact.objects.count() == 1


def test_a_contact_dated_in_the_future_is_refused(client_as, alices_family):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client_as("alice").post(
        contact_url(alices_family), a_contact(occurred_on=tomorrow.isoformat())
    )

    assert response.status_code == 200
    assert "The date of the contact must be today or in the past" in response.content.decode()
    no_contact_changes()


def test_a_person_from_another_family_cannot_be_recorded_as_seen(
    client_as, alices_family, amy, charlie
):
    stranger = PersonFactory(family=FamilyFactory(team=charlie.team), given_name="Stranger")

    response = client_as("alice").post(
        contact_url(alices_family), a_contact(people_seen=[amy.pk, stranger.pk])
    )

    assert response.status_code == 200
    assert response.context["form"].errors["people_seen"] == [
        f"Select a valid choice. {stranger.pk} is not one of the available choices."
    ]
    no_contact_changes()


def test_an_adult_cannot_be_recorded_as_a_child_seen_alone(client_as, alices_family, mia):
    response = client_as("alice").post(
        contact_url(alices_family), a_contact(children_seen_alone=[mia.pk])
    )

    assert response.status_code == 200
    assert "children_seen_alone" in response.context["form"].errors
    no_contact_changes()
