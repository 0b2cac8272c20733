"""A meeting through its pages: minutes only once it has started and never after sign-off
(then dated addenda); invalid minutes save nothing; a stale version changes nothing; the
agenda's capacity; no-shows and cancellations counted as clinical hours lost; actions on the
owner's home page, done from there, and overdue; and every look at a meeting is audited.

The cast is tests/supervision/conftest.py's: Tess chairs, Bea minutes, Sue works with
ALPHA's mother; ALPHA is alice's family and BRAVO bob's.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import AuditEvent
from families.models import Membership, Person
from referrals.models import CycleOfChangeEntry
from supervision.models import (
    Addendum,
    AgendaItem,
    Discussion,
    Meeting,
    SupervisionAction,
)
from supervision.services import ActionInput, agenda_set, discussion_record, meeting_schedule
from supervision.views import CONFLICT

from .conftest import adult, at, past_meeting, put_on_agenda

pytestmark = pytest.mark.django_db

LOST_HOURS = "Specialists' clinical hours lost to cancellations and no-shows"
OVERDUE_BY_OWNER = "Actions overdue, by owner"
YOUR_ACTIONS = "Your actions from group supervision"


class _Tables(HTMLParser):
    """Each table's caption and rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._caption_text = ""
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption_text = [], ""
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self._caption_text = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._caption_text] = [row for row in self._rows if row]
            self._rows = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def table(html: str, caption: str) -> list[list[str]]:
    """The body rows of the table captioned `caption` (the header row dropped)."""
    parser = _Tables()
    parser.feed(html)
    rows = parser.tables[caption]
    return rows[1:]


def messages_on(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Families and meetings -------------------------------------------------------------------


@pytest.fixture
def alpha_fam(alice, make_family, refer, specialist, today):
    family = make_family(alice, reference="ALPHA")
    mother = adult(family, Membership.Role.MOTHER, "Maya")
    refer(
        mother, referred_on=today - datetime.timedelta(days=30), by=alice, practitioner=specialist
    )
    return family


@pytest.fixture
def alpha_mother(alpha_fam) -> Person:
    return Membership.objects.get(family=alpha_fam, role=Membership.Role.MOTHER).person


@pytest.fixture
def bravo_fam(bob, make_family):
    family = make_family(bob, reference="BRAVO")
    adult(family, Membership.Role.FATHER, "Dev")
    return family


@pytest.fixture
def next_meeting(group, manager, monday, alpha_fam, bravo_fam) -> Meeting:
    meeting = meeting_schedule(
        group=group, starts_at=at(monday + datetime.timedelta(days=1), 10), acting_user=manager
    )
    return agenda_set(
        meeting=meeting,
        families=[(alpha_fam, "Not discussed yet"), (bravo_fam, "Not discussed yet")],
        expected_version=meeting.version,
        acting_user=manager,
    )


@pytest.fixture
def begun_meeting(group, alpha_fam, bravo_fam) -> Meeting:
    """Began an hour ago; nothing minuted yet."""
    meeting = Meeting.objects.create(
        group=group,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        length_minutes=group.length_minutes,
    )
    put_on_agenda(meeting, alpha_fam, bravo_fam)
    return meeting


def good_minutes(meeting, mother, owner, **changes):
    due = timezone.localdate(meeting.starts_at) + datetime.timedelta(days=14)
    data = {
        "present": [owner.pk],
        "child_safety_rag": "amber",
        "analysis": "Mum is using less.",
        "decisions": "Keep the plan.",
        f"stage_{mother.pk}": "preparation",
        "action_1": "Book a joint visit",
        "owner_1": owner.pk,
        "due_1": due.isoformat(),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def minuted(meeting, family, recorder, owner, *, decisions="Keep the plan."):
    return discussion_record(
        meeting=meeting,
        family=family,
        present=[owner],
        child_safety_rag="amber",
        analysis="",
        decisions=decisions,
        stages={},
        actions=[],
        acting_user=recorder,
    )


# Minutes before the meeting starts -------------------------------------------------------


def test_minutes_before_the_meeting_starts_are_refused_with_a_clear_message(
    client_for, support, alice, next_meeting, alpha_fam, alpha_mother
):
    client = client_for(support)
    url = reverse("supervision:minutes", args=[next_meeting.pk, alpha_fam.pk])

    for response in (
        client.get(url, follow=True),
        client.post(url, good_minutes(next_meeting, alpha_mother, alice), follow=True),
    ):
        assert response.redirect_chain[-1][0] == reverse(
            "supervision:meeting", args=[next_meeting.pk]
        )
        assert any("has not started" in message for message in messages_on(response))
    assert not Discussion.objects.exists()
    assert not CycleOfChangeEntry.objects.exists()
    assert not SupervisionAction.objects.exists()
    next_meeting.refresh_from_db()
    assert next_meeting.status == Meeting.Status.PLANNED
    # The meeting page offers no "Minute" link before the start either.
    page = client.get(reverse("supervision:meeting", args=[next_meeting.pk])).content.decode()
    assert url not in page
    assert "To be discussed." in page


def test_a_cancelled_meeting_is_not_minuted(
    client_for, manager, support, alice, begun_meeting, alpha_fam, alpha_mother
):
    Meeting.objects.filter(pk=begun_meeting.pk).update(
        status=Meeting.Status.CANCELLED, cancelled_at=timezone.now(), cancelled_by=manager
    )
    url = reverse("supervision:minutes", args=[begun_meeting.pk, alpha_fam.pk])

    response = client_for(support).post(
        url, good_minutes(begun_meeting, alpha_mother, alice), follow=True
    )

    assert any("cancelled" in message for message in messages_on(response))
    assert not Discussion.objects.exists()


# Valid minutes, then sign-off and addenda ------------------------------------------------


def test_minutes_write_the_stage_rag_decisions_and_action(
    client_for, support, alice, begun_meeting, alpha_fam, alpha_mother
):
    url = reverse("supervision:minutes", args=[begun_meeting.pk, alpha_fam.pk])

    response = client_for(support).post(url, good_minutes(begun_meeting, alpha_mother, alice))

    assert response.status_code == 302, response.content.decode()
    discussion = Discussion.objects.get()
    assert discussion.child_safety_rag == "amber"
    assert discussion.decisions == "Keep the plan."
    assert list(discussion.present.all()) == [alice]
    entry = CycleOfChangeEntry.objects.get(person=alpha_mother)
    assert entry.stage == "preparation"
    assert entry.source == CycleOfChangeEntry.Source.GROUP_SUPERVISION
    action = SupervisionAction.objects.get()
    assert (action.description, action.owner) == ("Book a joint visit", alice)
    page = client_for(alice).get(reverse("supervision:meeting", args=[begun_meeting.pk]))
    text = page.content.decode()
    assert "Book a joint visit: Alice Worker" in text
    assert "Maya Testfamily: Preparation" in text


@pytest.fixture
def signed_off(client_for, manager, support, alice, begun_meeting, alpha_fam, bravo_fam):
    """Both families minuted by Bea; Tess signs off through the page."""
    minuted(begun_meeting, alpha_fam, support, alice, decisions="Alpha decided.")
    minuted(begun_meeting, bravo_fam, support, alice, decisions="Bravo decided.")
    begun_meeting.refresh_from_db()
    response = client_for(manager).post(
        reverse("supervision:sign_off", args=[begun_meeting.pk]),
        {"version": begun_meeting.version},
        follow=True,
    )
    assert "The minutes are signed off" in " ".join(messages_on(response))
    begun_meeting.refresh_from_db()
    assert begun_meeting.is_signed_off
    return begun_meeting


def test_after_sign_off_the_minutes_page_redirects_with_the_message(
    client_for, support, signed_off, alpha_fam
):
    url = reverse("supervision:minutes", args=[signed_off.pk, alpha_fam.pk])

    response = client_for(support).get(url, follow=True)

    assert response.redirect_chain == [(reverse("supervision:meeting", args=[signed_off.pk]), 302)]
    assert "These minutes are signed off. Add a dated addendum instead." in messages_on(response)
    page = response.content.decode()
    assert "Signed off by Tess Manager" in page
    assert url not in page  # no "Minute" link any more
    assert reverse("supervision:addendum", args=[signed_off.discussions.first().pk]) in page


def test_a_post_to_signed_off_minutes_changes_nothing(
    client_for, support, manager, alice, signed_off, alpha_fam, alpha_mother
):
    discussion = Discussion.objects.get(family=alpha_fam)
    before = (discussion.decisions, discussion.child_safety_rag, discussion.version)
    changes = AuditEvent.objects.filter(
        action__in=[AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]
    )
    audit_rows = changes.count()

    for user in (support, manager):
        response = client_for(user).post(
            reverse("supervision:minutes", args=[signed_off.pk, alpha_fam.pk]),
            good_minutes(
                signed_off, alpha_mother, alice, decisions="Rewritten", child_safety_rag="red"
            ),
        )
        assert response.status_code == 302
    discussion.refresh_from_db()
    assert (discussion.decisions, discussion.child_safety_rag, discussion.version) == before
    assert Discussion.objects.count() == 2
    assert not CycleOfChangeEntry.objects.exists()
    assert not SupervisionAction.objects.exists()
    assert changes.count() == audit_rows
    # Marking a family not discussed is refused too.
    response = client_for(support).post(
        reverse("supervision:not_discussed", args=[signed_off.pk, alpha_fam.pk]),
        {"why": "no_show"},
        follow=True,
    )
    assert "These minutes are signed off. Add a dated addendum instead." in messages_on(response)
    assert not AgendaItem.objects.exclude(not_discussed="").exists()


def test_addenda_are_dated_and_shown_below_the_minutes(
    client_for, support, manager, alice, specialist, signed_off, alpha_fam
):
    discussion = Discussion.objects.get(family=alpha_fam)
    url = reverse("supervision:addendum", args=[discussion.pk])

    empty = client_for(support).post(url, {"text": "  "})
    assert "There is a problem" in empty.content.decode()
    assert not Addendum.objects.exists()
    response = client_for(support).post(url, {"text": "Mum's partner was also present."})
    assert response.status_code == 302
    client_for(manager).post(url, {"text": "The visit is joint with health."})

    written = [
        date_format(timezone.localtime(note.written_at), "j F Y, H:i")
        for note in Addendum.objects.order_by("written_at")
    ]
    first = f"Addendum, {written[0]}, by Bea Support:"
    second = f"Addendum, {written[1]}, by Tess Manager:"
    meeting_url = reverse("supervision:meeting", args=[signed_off.pk])
    for reader in (alice, specialist):
        page = client_for(reader).get(meeting_url).content.decode()
        assert first in page
        assert second in page
        assert page.index(first) < page.index(second)
        assert "Mum&#x27;s partner was also present." in page
        # The minutes themselves stand.
        assert "Alpha decided." in page
    discussion.refresh_from_db()
    assert discussion.decisions == "Alpha decided."


# Invalid minutes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"decisions": ""}, "Enter the decisions"),
        ({"child_safety_rag": None}, "Select the child safety rating"),
        ({"owner_1": ""}, "Choose who owns action 1"),
        ({"due_1": ""}, "Enter when action 1 is due"),
        ({"due_1": "not a date"}, "Enter a real date"),
        ({"action_1": "", "owner_1": ""}, "Describe action 1, or clear its owner and date"),
        ("before", "Action 1 cannot be due before the meeting"),
    ],
    ids=[
        "no-decisions",
        "no-rag",
        "action-without-owner",
        "action-without-due-date",
        "unreal-due-date",
        "due-date-without-action",
        "due-before-meeting",
    ],
)
def test_invalid_minutes_show_the_problem_and_save_nothing(
    client_for, support, alice, begun_meeting, alpha_fam, alpha_mother, changes, message
):
    if changes == "before":
        day = timezone.localdate(begun_meeting.starts_at) - datetime.timedelta(days=1)
        changes = {"due_1": day.isoformat()}
    url = reverse("supervision:minutes", args=[begun_meeting.pk, alpha_fam.pk])

    response = client_for(support).post(
        url, good_minutes(begun_meeting, alpha_mother, alice, **changes)
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: " in page
    # What was typed is kept.
    assert "Mum is using less." in page
    assert not Discussion.objects.exists()
    assert not CycleOfChangeEntry.objects.exists()
    assert not SupervisionAction.objects.exists()
    begun_meeting.refresh_from_db()
    assert begun_meeting.status == Meeting.Status.PLANNED


def test_a_family_not_on_the_agenda_cannot_be_minuted(
    client_for, support, alice, begun_meeting, make_family
):
    stranger = make_family(alice, reference="ELSEWHERE")

    response = client_for(support).get(
        reverse("supervision:minutes", args=[begun_meeting.pk, stranger.pk])
    )

    assert response.status_code == 404


# Stale versions --------------------------------------------------------------------------


def test_a_stale_agenda_shows_the_conflict_and_changes_nothing(
    client_for, manager, next_meeting, alpha_fam
):
    version = next_meeting.version

    response = client_for(manager).post(
        reverse("supervision:agenda", args=[next_meeting.pk]),
        {"family": [alpha_fam.pk], f"position_{alpha_fam.pk}": "1", "version": version - 1},
    )

    assert response.status_code == 200
    assert CONFLICT in response.content.decode().replace("&#x27;", "'")
    next_meeting.refresh_from_db()
    assert next_meeting.version == version
    assert list(next_meeting.agenda.values_list("family__reference", flat=True)) == [
        "ALPHA",
        "BRAVO",
    ]


def test_a_stale_sign_off_shows_the_conflict_and_changes_nothing(
    client_for, manager, support, alice, begun_meeting, alpha_fam, bravo_fam
):
    minuted(begun_meeting, alpha_fam, support, alice)
    minuted(begun_meeting, bravo_fam, support, alice)
    begun_meeting.refresh_from_db()
    version = begun_meeting.version

    response = client_for(manager).post(
        reverse("supervision:sign_off", args=[begun_meeting.pk]),
        {"version": version - 1},
        follow=True,
    )

    assert CONFLICT in messages_on(response)
    begun_meeting.refresh_from_db()
    assert not begun_meeting.is_signed_off
    assert begun_meeting.version == version


def test_sign_off_waits_for_every_family(
    client_for, manager, support, alice, begun_meeting, alpha_fam
):
    minuted(begun_meeting, alpha_fam, support, alice)
    begun_meeting.refresh_from_db()

    response = client_for(manager).post(
        reverse("supervision:sign_off", args=[begun_meeting.pk]),
        {"version": begun_meeting.version},
        follow=True,
    )

    assert "Minute or mark as not discussed first: BRAVO." in messages_on(response)
    begun_meeting.refresh_from_db()
    assert not begun_meeting.is_signed_off


def test_a_stale_cancellation_shows_the_conflict_and_changes_nothing(
    client_for, manager, next_meeting
):
    version = next_meeting.version

    response = client_for(manager).post(
        reverse("supervision:cancel", args=[next_meeting.pk]),
        {"reason": "Chair off sick", "version": version - 1},
    )

    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    assert "There is a problem" in page
    assert CONFLICT in page
    next_meeting.refresh_from_db()
    assert next_meeting.status == Meeting.Status.PLANNED
    assert next_meeting.version == version
    assert next_meeting.cancelled_at is None


# The agenda's capacity -------------------------------------------------------------------


def test_an_agenda_over_capacity_is_refused(client_for, manager, alice, next_meeting, make_family):
    families = [make_family(alice, reference=f"MANY-{number}") for number in range(7)]
    version = next_meeting.version
    data = {"family": [family.pk for family in families], "version": version}
    for position, family in enumerate(families, 1):
        data[f"position_{family.pk}"] = str(position)

    response = client_for(manager).post(reverse("supervision:agenda", args=[next_meeting.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "This group discusses at most 6 families a meeting." in page
    # The chair's choice is kept on the page to fix.
    for family in families:
        assert re.search(rf'value="{family.pk}"\s+checked', page)
    next_meeting.refresh_from_db()
    assert next_meeting.version == version
    assert list(next_meeting.agenda.values_list("family__reference", flat=True)) == [
        "ALPHA",
        "BRAVO",
    ]
    # Six fit.
    del data["family"][6]
    response = client_for(manager).post(reverse("supervision:agenda", args=[next_meeting.pk]), data)
    assert response.status_code == 302
    assert next_meeting.agenda.count() == 6


def test_the_agenda_builder_proposes_with_reasons_and_saves_the_chairs_order(
    client_for, manager, alice, group, support, today, next_meeting, alpha_fam, bravo_fam
):
    earlier = past_meeting(group, today - datetime.timedelta(days=10))
    put_on_agenda(earlier, bravo_fam)
    discussion_record(
        meeting=earlier,
        family=bravo_fam,
        present=[],
        child_safety_rag="red",
        analysis="",
        decisions="Weekly.",
        stages={},
        actions=[],
        acting_user=support,
    )
    AgendaItem.objects.filter(meeting=next_meeting).delete()
    url = reverse("supervision:agenda", args=[next_meeting.pk])

    page = client_for(manager).get(url).content.decode()

    rows = table(page, "Families of SASS West 1")
    # Each family by its display name, the reference beside it.
    assert [row[0] for row in rows] == ["Testfamily (BRAVO)", "Testfamily (ALPHA)"]
    meeting_day = timezone.localdate(next_meeting.starts_at)
    since = (meeting_day - earlier.starts_at.date()).days
    assert f"Red Red; last discussed {since} days ago (due every 7 days)" in rows[0][2]
    assert "Not discussed yet" in rows[1][2]
    assert re.search(rf'value="{alpha_fam.pk}"\s+checked', page)

    # The chair puts ALPHA first and keeps BRAVO.
    response = client_for(manager).post(
        url,
        {
            "family": [alpha_fam.pk, bravo_fam.pk],
            f"position_{alpha_fam.pk}": "1",
            f"position_{bravo_fam.pk}": "2",
            "version": next_meeting.version,
        },
    )
    assert response.status_code == 302
    assert list(
        AgendaItem.objects.filter(meeting=next_meeting).values_list(
            "family__reference", "position", "reason"
        )
    ) == [
        ("ALPHA", 1, "Not discussed yet"),
        ("BRAVO", 2, f"Red; last discussed {since} days ago (due every 7 days)"),
    ]


# Clinical hours lost ---------------------------------------------------------------------


def test_a_no_show_appears_in_the_groups_lost_clinical_hours(
    client_for, manager, support, begun_meeting, alpha_fam, group
):
    group_url = reverse("supervision:group", args=[group.pk])
    assert table(client_for(manager).get(group_url).content.decode(), LOST_HOURS) == [
        ["No clinical time lost in the last year."]
    ]

    response = client_for(support).post(
        reverse("supervision:not_discussed", args=[begun_meeting.pk, alpha_fam.pk]),
        {"why": "no_show"},
    )
    assert response.status_code == 302
    assert AgendaItem.objects.get(family=alpha_fam).not_discussed == "no_show"

    month = date_format(timezone.localtime(begun_meeting.starts_at), "F Y")
    # Sue came for ALPHA's mother: one 20-minute family slot lost.
    assert table(client_for(manager).get(group_url).content.decode(), LOST_HOURS) == [
        [month, "0", "1", "0.3"]
    ]


def test_the_group_page_lists_meetings_with_their_families(
    client_for, alice, group, next_meeting, begun_meeting
):
    page = client_for(alice).get(reverse("supervision:group", args=[group.pk])).content.decode()

    rows = table(page, "Coming up")
    assert [row[1:] for row in rows] == [["2", "Planned"], ["2", "Planned"]]
    assert rows[1][0] == date_format(timezone.localtime(next_meeting.starts_at), "l j F Y, H:i")


def test_a_family_not_discussed_for_lack_of_time_costs_no_clinical_hours(
    client_for, manager, support, begun_meeting, alpha_fam, group
):
    client_for(support).post(
        reverse("supervision:not_discussed", args=[begun_meeting.pk, alpha_fam.pk]),
        {"why": "out_of_time"},
    )

    page = client_for(manager).get(reverse("supervision:group", args=[group.pk]))

    assert AgendaItem.objects.get(family=alpha_fam).not_discussed == "out_of_time"
    assert table(page.content.decode(), LOST_HOURS) == [["No clinical time lost in the last year."]]


def test_cancelling_counts_the_specialists_hours(client_for, manager, next_meeting, group):
    response = client_for(manager).post(
        reverse("supervision:cancel", args=[next_meeting.pk]),
        {"reason": "Chair off sick", "version": next_meeting.version},
        follow=True,
    )

    assert "The meeting is cancelled." in messages_on(response)
    page = response.content.decode()
    assert "Chair off sick" in page
    next_meeting.refresh_from_db()
    assert next_meeting.status == Meeting.Status.CANCELLED
    month = date_format(timezone.localtime(next_meeting.starts_at), "F Y")
    group_page = client_for(manager).get(reverse("supervision:group", args=[group.pk]))
    # One specialist member (Sue) loses the meeting's two hours.
    assert table(group_page.content.decode(), LOST_HOURS) == [[month, "1", "0", "2.0"]]


def test_a_cancellation_needs_a_reason(client_for, manager, next_meeting):
    response = client_for(manager).post(
        reverse("supervision:cancel", args=[next_meeting.pk]),
        {"reason": "", "version": next_meeting.version},
    )

    assert "Enter why the meeting is cancelled" in response.content.decode()
    next_meeting.refresh_from_db()
    assert next_meeting.status == Meeting.Status.PLANNED


# Actions on the owner's home page --------------------------------------------------------


@pytest.fixture
def actions(support, alice, bob, group, today, alpha_fam, bravo_fam):
    """At a meeting ten days ago: alice owns one action due three days after it (so overdue
    now) and one due in a week; bob owns one overdue action."""
    held = past_meeting(group, today - datetime.timedelta(days=10))
    put_on_agenda(held, alpha_fam, bravo_fam)
    for family, rows in [
        (
            alpha_fam,
            [
                ("Chase the GP letter", alice, today - datetime.timedelta(days=7)),
                ("Plan the core group", alice, today + datetime.timedelta(days=7)),
            ],
        ),
        (bravo_fam, [("Ring the school", bob, today - datetime.timedelta(days=5))]),
    ]:
        discussion_record(
            meeting=held,
            family=family,
            present=[alice, bob],
            child_safety_rag="amber",
            analysis="",
            decisions="Decided.",
            stages={},
            actions=[ActionInput(text, owner, due) for text, owner, due in rows],
            acting_user=support,
        )
    return {action.description: action for action in SupervisionAction.objects.all()}


def test_overdue_actions_show_on_the_owners_home_and_by_owner_on_the_group_page(
    client_for, manager, alice, group, actions
):
    home = client_for(alice).get(reverse("home")).content.decode()
    rows = table(home, YOUR_ACTIONS)
    assert [row[:3] for row in rows] == [
        [
            "Chase the GP letter",
            "Testfamily (ALPHA)",
            f"{date_format(actions['Chase the GP letter'].due_on, 'j F Y')} Overdue",
        ],
        [
            "Plan the core group",
            "Testfamily (ALPHA)",
            date_format(actions["Plan the core group"].due_on, "j F Y"),
        ],
    ]
    assert "Ring the school" not in home

    group_page = client_for(manager).get(reverse("supervision:group", args=[group.pk]))
    assert sorted(table(group_page.content.decode(), OVERDUE_BY_OWNER)) == [
        ["Alice Worker", "1"],
        ["Bob Worker", "1"],
    ]


def test_the_owner_marks_an_action_done_from_home(client_for, alice, bob, actions, today):
    action = actions["Chase the GP letter"]
    client = client_for(alice)

    # bob cannot mark alice's action done.
    assert (
        client_for(bob)
        .post(reverse("supervision:action_done", args=[action.pk]), {"version": action.version})
        .status_code
        == 404
    )
    action.refresh_from_db()
    assert action.done_on is None

    response = client.post(
        reverse("supervision:action_done", args=[action.pk]),
        {"version": action.version},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "Done: Chase the GP letter" in messages_on(response)
    action.refresh_from_db()
    assert action.done_on == today
    rows = table(response.content.decode(), YOUR_ACTIONS)
    assert [row[0] for row in rows] == ["Plan the core group"]
    # Marked again from a stale page: nothing changes.
    again = client.post(
        reverse("supervision:action_done", args=[action.pk]),
        {"version": action.version - 1},
        follow=True,
    )
    assert "This action changed since you opened the page." in " ".join(messages_on(again))
    action.refresh_from_db()
    assert action.version == 2


def test_the_overdue_table_forgets_a_done_action(client_for, manager, alice, group, actions):
    action = actions["Chase the GP letter"]
    client_for(alice).post(
        reverse("supervision:action_done", args=[action.pk]), {"version": action.version}
    )

    group_page = client_for(manager).get(reverse("supervision:group", args=[group.pk]))

    assert table(group_page.content.decode(), OVERDUE_BY_OWNER) == [["Bob Worker", "1"]]


# Every look at a meeting is audited ------------------------------------------------------


def views_of(obj, actor) -> int:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        actor=actor,
    ).count()


@pytest.mark.parametrize("who", ["manager", "alice", "support", "specialist"])
def test_every_get_of_a_meeting_page_writes_a_view_audit_event(
    request, client_for, who, next_meeting
):
    user = request.getfixturevalue(who)
    client = client_for(user)
    url = reverse("supervision:meeting", args=[next_meeting.pk])

    for expected in (1, 2, 3):
        assert client.get(url).status_code == 200
        assert views_of(next_meeting, user) == expected
    event = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, actor=user).latest("at")
    assert event.detail == {"page": "supervision:meeting"}
    assert event.username == user.username


def test_the_agenda_builder_and_minutes_pages_are_audited_too(
    client_for, manager, support, next_meeting, begun_meeting, alpha_fam
):
    client_for(manager).get(reverse("supervision:agenda", args=[next_meeting.pk]))
    client_for(manager).get(reverse("supervision:agenda", args=[next_meeting.pk]))
    client_for(support).get(reverse("supervision:minutes", args=[begun_meeting.pk, alpha_fam.pk]))

    assert views_of(next_meeting, manager) == 2
    assert views_of(alpha_fam, support) == 1


def test_a_refused_look_writes_no_view(client_for, charlie, next_meeting):
    assert (
        client_for(charlie).get(reverse("supervision:meeting", args=[next_meeting.pk])).status_code
        == 404
    )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()
