"""The register of forms that keep drafts (accounts.drafts): each case app names its forms,
and a key is allowed only for a registered form on a record its check lets the user write."""

import pytest
from django.test import RequestFactory

from accounts import drafts
from accounts.services import draft_save

pytestmark = pytest.mark.django_db


def test_every_form_that_keeps_drafts_is_registered():
    assert drafts.registered() == [
        "action:plan",
        "addendum:discussion",
        "caseload-transfer:user",
        "closing:referral",
        "closure:family",
        "consultation:user",
        "contact:family",
        "minutes:item",
        "person:person",
        "referral:membership",
        "rereferral:family",
        "review:referral",
        "transfer:family",
    ]


@pytest.fixture
def scratch_form():
    """A form allowed on record 7 only, removed again afterwards."""
    calls = []

    def allowed(user, record_id):
        calls.append((user, record_id))
        return record_id == 7

    drafts.register("scratch:thing", allowed)
    yield calls
    drafts._FORMS.pop("scratch:thing")


def test_a_key_is_allowed_by_its_forms_check(alice, scratch_form):
    assert drafts.allowed(alice, "scratch:thing:7")
    assert not drafts.allowed(alice, "scratch:thing:8")
    assert scratch_form == [(alice, 7), (alice, 8)]


@pytest.mark.parametrize(
    "key",
    [
        "scratch:other:7",
        "scratch:7",
        "scratch:thing:",
        "scratch:thing:seven",
        "scratch:thing:-7",
        "scratch:thing:0",
        "scratch:thing:٧",  # an Arabic-Indic seven is no id
        "scratch:thing:99999999999999999999",
        "",
    ],
)
def test_a_key_for_no_registered_form_or_no_record_is_refused_unchecked(alice, scratch_form, key):
    assert not drafts.allowed(alice, key)
    assert scratch_form == []


def test_a_form_is_registered_once(scratch_form):
    with pytest.raises(ValueError, match="already registered"):
        drafts.register("scratch:thing", lambda user, record_id: True)


@pytest.mark.parametrize("name", ["", "has space", "ends:"])
def test_a_form_name_must_make_a_key(name):
    with pytest.raises(ValueError, match="Not a draft form name"):
        drafts.register(name, lambda user, record_id: True)


def test_a_key_names_a_registered_form_and_its_record(scratch_form):
    assert drafts.key("scratch:thing", 7) == "scratch:thing:7"
    with pytest.raises(KeyError):
        drafts.key("scratch:unknown", 7)


def test_the_page_shows_no_withheld_field_of_a_draft(alice):
    draft_save(
        user=alice,
        key="person:person:3",
        data={"given_name": ["Mia"], "address": ["1 Secret Lane"], "phone": ["0770"]},
    )
    request = RequestFactory().get("/")
    request.user = alice

    context = drafts.page_context(
        request,
        "person:person:3",
        text_fields=("given_name", "address"),
        withheld=("address", "phone"),
    )

    assert context["draft_data"] == {"given_name": ["Mia"]}
    assert context["draft_text"] == ["Mia"]


def test_after_a_refused_post_the_draft_is_not_offered_again(alice):
    draft_save(user=alice, key="person:person:3", data={"given_name": ["Mia"]})
    request = RequestFactory().post("/")
    request.user = alice

    context = drafts.page_context(request, "person:person:3", text_fields=("given_name",))

    assert context["draft"] is None
