"""The group supervision pages read a fixed number of times however much they show: the
group page over many meetings, overdue families and actions; a meeting page over many
minuted families (present, stages, actions, addenda); the agenda builder over a team's
families; and a social worker's home page over their actions.

Each page is measured with a small and a larger history (3 and 15 of everything) against the
same budget, so a query per row fails the larger size.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from families.models import Allocation, Family, Membership, Person
from referrals.models import CycleOfChangeEntry
from supervision.models import (
    Addendum,
    AgendaItem,
    Discussion,
    Meeting,
    NotDiscussed,
    SupervisionAction,
)

from .conftest import adult, at

pytestmark = pytest.mark.django_db

SIZES = [3, 15]

# Measured (SQLite, 3 and 15 of everything): the session read and save, the user, the
# navigation's team, the page's own reads (among them one for the display names of every
# family listed), and for a meeting page its VIEW audit row. A team manager's pages also read
# the two-factor device their session was verified with.
GROUP_PAGE_BUDGET = 16
MEETING_PAGE_BUDGET = 20  # includes one insert auditing each family shown
SPECIALIST_MEETING_PAGE_BUDGET = 19  # includes one insert auditing each family shown
AGENDA_BUDGET = 13
HOME_BUDGET = 10


def many_families(team, workers, count: int, prefix: str) -> list[Family]:
    opened = datetime.date(2024, 1, 1)
    families = Family.objects.bulk_create(
        Family(
            reference=f"{prefix}-{number:03d}",
            team=team,
            locality=team.locality,
            social_worker=workers[number % len(workers)],
            opened_on=opened,
        )
        for number in range(count)
    )
    Allocation.objects.bulk_create(
        Allocation(family=family, social_worker=family.social_worker, start_date=opened)
        for family in families
    )
    return families


def minute(
    meeting: Meeting, family: Family, *, recorder, present, owner, mother: Person, rag: str
) -> Discussion:
    """A discussion as discussion_record leaves it (written directly: the history is in the
    past), with a stage, an overdue action, an open one, and an addendum."""
    day = timezone.localdate(meeting.starts_at)
    discussion = Discussion.objects.create(
        meeting=meeting,
        family=family,
        discussed_on=day,
        child_safety_rag=rag,
        analysis=f"Analysis of {family.reference}",
        decisions=f"Decisions for {family.reference}",
        recorded_by=recorder,
    )
    discussion.present.set(present)
    entry = CycleOfChangeEntry.objects.create(
        person=mother,
        stage="contemplation",
        recorded_on=day,
        source=CycleOfChangeEntry.Source.GROUP_SUPERVISION,
        recorded_by=recorder,
    )
    discussion.stage_entries.set([entry])
    SupervisionAction.objects.bulk_create(
        [
            SupervisionAction(
                discussion=discussion,
                description=f"Overdue for {family.reference}",
                owner=owner,
                due_on=day + datetime.timedelta(days=1),
            ),
            SupervisionAction(
                discussion=discussion,
                description=f"Open for {family.reference}",
                owner=owner,
                due_on=timezone.localdate() + datetime.timedelta(days=30),
            ),
        ]
    )
    Addendum.objects.create(discussion=discussion, text="A correction.", written_by=recorder)
    return discussion


@pytest.fixture
def history(group, manager, support, alice, bob, specialist, today, refer):
    """`size` families of the team, each discussed at its own past meeting (odd ones red);
    `size` cancelled meetings and `size` no-shows; `size` upcoming meetings; and one big
    signed-off meeting at which all `size` families were minuted."""

    def build(size: int) -> Meeting:
        families = many_families(group.team, [alice, bob], size, f"H{size}")
        mothers = [
            adult(family, Membership.Role.MOTHER, f"Mum{n}") for n, family in enumerate(families)
        ]
        refer(
            mothers[0],
            referred_on=today - datetime.timedelta(days=300),
            by=alice,
            practitioner=specialist,
        )
        for number, (family, mother) in enumerate(zip(families, mothers, strict=True)):
            held = Meeting.objects.create(
                group=group,
                starts_at=at(today - datetime.timedelta(days=60 + 7 * number), 10),
                length_minutes=120,
                status=Meeting.Status.HELD,
                signed_off_at=timezone.now(),
                signed_off_by=manager,
            )
            AgendaItem.objects.create(meeting=held, family=family, position=1)
            AgendaItem.objects.create(
                meeting=held,
                family=families[(number + 1) % size],
                position=2,
                not_discussed=NotDiscussed.NO_SHOW,
            )
            minute(
                held,
                family,
                recorder=support,
                present=[alice, bob, specialist],
                owner=[alice, bob][number % 2],
                mother=mother,
                rag="red" if number % 2 else "amber",
            )
            Meeting.objects.create(
                group=group,
                starts_at=at(today - datetime.timedelta(days=61 + 7 * number), 14),
                length_minutes=120,
                status=Meeting.Status.CANCELLED,
                cancelled_at=timezone.now(),
                cancelled_by=manager,
                cancellation_reason="Chair away",
            )
            upcoming = Meeting.objects.create(
                group=group,
                starts_at=at(today + datetime.timedelta(days=1 + 7 * number), 10),
                length_minutes=120,
            )
            AgendaItem.objects.create(meeting=upcoming, family=family, position=1)
        big = Meeting.objects.create(
            group=group,
            starts_at=at(today - datetime.timedelta(days=3), 10),
            length_minutes=120,
            status=Meeting.Status.HELD,
            signed_off_at=timezone.now(),
            signed_off_by=manager,
        )
        for position, (family, mother) in enumerate(zip(families, mothers, strict=True), 1):
            AgendaItem.objects.create(meeting=big, family=family, position=position)
            minute(
                big,
                family,
                recorder=support,
                present=[alice, bob, specialist],
                owner=[alice, bob][position % 2],
                mother=mother,
                rag="green",
            )
        return big

    return build


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("size", SIZES)
def test_the_group_page_reads_a_fixed_number_of_times(
    client_for, manager, group, history, size, django_assert_max_num_queries
):
    history(size)
    client = client_for(manager)
    url = reverse("supervision:group", args=[group.pk])
    client.get(url)

    with django_assert_max_num_queries(GROUP_PAGE_BUDGET):
        response = client.get(url)

    page = response.content.decode()
    assert page.count("Chair away") == 0  # reasons stay on the meeting page
    assert "Actions overdue, by owner" in page
    assert page.count('href="/supervision/meetings/') >= size


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("who", "budget"),
    [("manager", MEETING_PAGE_BUDGET), ("specialist", SPECIALIST_MEETING_PAGE_BUDGET)],
)
def test_a_meeting_page_reads_a_fixed_number_of_times(
    request, client_for, history, size, who, budget, django_assert_max_num_queries
):
    big = history(size)
    client = client_for(request.getfixturevalue(who))
    url = reverse("supervision:meeting", args=[big.pk])
    client.get(url)

    with django_assert_max_num_queries(budget):
        response = client.get(url)

    page = response.content.decode()
    assert page.count("A correction.") == (size if who == "manager" else 1)
    assert page.count("Overdue for ") == (size if who == "manager" else 1)


@pytest.mark.parametrize("size", SIZES)
def test_the_agenda_builder_reads_a_fixed_number_of_times(
    client_for, manager, group, history, size, today, django_assert_max_num_queries
):
    history(size)
    meeting = Meeting.objects.filter(status=Meeting.Status.PLANNED).order_by("starts_at").first()
    client = client_for(manager)
    url = reverse("supervision:agenda", args=[meeting.pk])
    client.get(url)

    with django_assert_max_num_queries(AGENDA_BUDGET):
        response = client.get(url)

    assert response.content.decode().count('name="family"') == size


@pytest.mark.parametrize("size", SIZES)
def test_a_social_workers_home_reads_a_fixed_number_of_times(
    client_for, alice, history, size, django_assert_max_num_queries
):
    history(size)
    client = client_for(alice)
    client.get(reverse("home"))
    mine = SupervisionAction.objects.filter(owner=alice).count()
    assert mine >= size  # half the families, two meetings each, two actions each

    with django_assert_max_num_queries(HOME_BUDGET):
        response = client.get(reverse("home"))

    assert response.content.decode().count("Mark done") == mine


def test_the_measured_counts_do_not_grow(client_for, manager, alice, specialist, group, history):
    """The budgets above are ceilings; this pins that the counts themselves are equal at
    both sizes (a page that reads per row grows between them)."""
    counts = {}
    for size in SIZES:
        big = history(size)
        planned = (
            Meeting.objects.filter(status=Meeting.Status.PLANNED).order_by("starts_at").first()
        )
        urls = {
            "group": (manager, reverse("supervision:group", args=[group.pk])),
            "meeting": (manager, reverse("supervision:meeting", args=[big.pk])),
            "agenda": (manager, reverse("supervision:agenda", args=[planned.pk])),
            "meeting as a specialist": (specialist, reverse("supervision:meeting", args=[big.pk])),
            "home": (alice, reverse("home")),
        }
        counts[size] = {}
        for name, (user, url) in urls.items():
            client = client_for(user)
            client.get(url)
            counts[size][name] = count_queries(client, url)
    assert counts[SIZES[0]] == counts[SIZES[1]], counts
