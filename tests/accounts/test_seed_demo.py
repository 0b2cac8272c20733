from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Locality, Role, Team, User
from families.models import (
    Family,
    InvolvementPeriod,
    Membership,
    Person,
    Relationship,
    StatusEpisode,
    Transfer,
)
from workspace.management.commands.seed_demo import DEMO_USERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--password", "demo-password-for-tests", stdout=StringIO())


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_builds_a_council(seeded):
    assert Locality.objects.count() >= 3
    assert Team.objects.count() >= 5
    assert 55 <= Family.objects.count() <= 65
    children = Person.objects.filter(memberships__role=Membership.Role.CHILD).distinct()
    assert children.count() > Family.objects.count()
    fathers = Person.objects.filter(memberships__role__in=Membership.FATHER_ROLES).distinct()
    assert fathers.count() > 40
    assert Relationship.objects.current().fathers().filter(relative__in=children).exists()
    # Histories, not just a current status: some children have moved rung.
    assert StatusEpisode.objects.filter(end_date__isnull=False).count() > 30
    assert set(User.objects.values_list("username", flat=True)) >= {
        user.username for user in DEMO_USERS
    }
    assert Family.objects.filter(social_worker__username="social.worker").count() >= 5


def test_seed_demo_fills_the_case_records_a_worker_uses(seeded):
    from families.models import (
        Allocation,
        ChronologyEntry,
        ClosureRequest,
        Contact,
        FatherInclusion,
        PlanAction,
    )

    assert Contact.objects.count() > 60
    assert ChronologyEntry.objects.filter(source="contact").exists()
    assert ChronologyEntry.objects.filter(source="legal_status").exists()
    assert PlanAction.objects.filter(status="done").exists()
    assert PlanAction.objects.overdue_on(timezone.localdate()).exists()
    assert FatherInclusion.objects.exists()
    assert Allocation.objects.count() >= Family.objects.filter(social_worker__isnull=False).count()
    assert Person.objects.filter(contact_restricted=True).exists()
    assert ClosureRequest.objects.filter(
        decision="pending", family__social_worker__username="social.worker"
    ).exists()
    assert Family.objects.filter(closed_on__isnull=False).exists()


def test_seed_demo_is_idempotent(seeded, settings):
    counts = (User.objects.count(), Family.objects.count(), StatusEpisode.objects.count())

    call_command("seed_demo", "--password", "another-password-1", stdout=StringIO())

    assert (User.objects.count(), Family.objects.count(), StatusEpisode.objects.count()) == counts
    response = Client().post(
        reverse("accounts:login"), {"username": "social.worker", "password": "another-password-1"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_every_demo_user_signs_in_and_reaches_home(seeded, settings):
    # As under `make run`, whose local settings leave two-factor optional.
    settings.OTP_ENFORCED = False
    reached = {}
    for demo in DEMO_USERS:
        response = Client().post(
            reverse("accounts:login"),
            {"username": demo.username, "password": "demo-password-for-tests"},
            follow=True,
        )
        assert response.status_code == 200, demo.username
        reached[demo.username] = (response.request["PATH_INFO"], response.templates[0].name)

    assert reached == {
        demo.username: (reverse("home"), f"workspace/home/{demo.role}.html") for demo in DEMO_USERS
    }


def test_only_the_admin_demo_user_may_use_django_admin(seeded):
    assert list(User.objects.filter(is_staff=True).values_list("role", flat=True)) == [Role.ADMIN]


def test_seed_demo_gives_each_specialist_work_to_see(seeded):
    from referrals.models import Appointment, MeasureReading, Referral

    today = timezone.localdate()
    assert Referral.objects.waiting().filter(pathway__code="dmt").exists()
    for username in ("dmt.worker", "mental.health", "da.victim", "da.perpetrator"):
        assert Referral.objects.filter(practitioner__username=username).exists(), username
    # Something for each part of a practitioner's home page and the pathway record.
    assert Appointment.objects.filter(
        practitioner__username="dmt.worker", starts_at__date__gte=today
    ).exists()
    assert Referral.objects.filter(
        practitioner__username="dmt.worker", next_review_on__lt=today
    ).exists()
    first_and_review = (
        MeasureReading.objects.filter(measure__code="recovery-star")
        .values("person")
        .annotate(readings=Count("id"))
        .filter(readings__gte=2)
    )
    assert first_and_review.exists()
    # A perpetrator worker holds a father whose partner's details are restricted.
    assert Referral.objects.filter(
        practitioner__username="da.perpetrator",
        family__memberships__person__contact_restricted=True,
    ).exists()


def test_seed_demo_adds_no_second_set_of_referrals(seeded):
    from referrals.models import Referral

    count = Referral.objects.count()
    call_command("seed_demo", "--password", "another-password-1", stdout=StringIO())
    assert Referral.objects.count() == count > 0


def test_the_demo_dashboards_have_figures_for_the_service_and_the_dmt_manager(
    settings, django_capture_on_commit_callbacks
):
    from outcomes.models import ReportRun

    from ..conftest import signed_in

    settings.DEBUG = True
    # The report tasks are queued on commit, as `make run` commits the seed.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--password", "demo-password-for-tests", stdout=StringIO())

    assert ReportRun.objects.filter(status=ReportRun.Status.SUCCEEDED).exists()
    for username in ("service.manager", "dmt.manager"):
        page = signed_in(User.objects.get(username=username)).get(reverse("outcomes:dashboard"))
        assert page.status_code == 200
        # Every section of the dashboard shows its figures: none waits for a first run.
        assert "No figures yet" not in page.content.decode(), username


def test_the_demo_has_a_father_in_two_households_referred_from_one(seeded):
    from referrals.models import Referral

    # A father (or father figure) now in two households.
    father = (
        Person.objects.filter(
            memberships__role__in=Membership.FATHER_ROLES, memberships__left_on__isnull=True
        )
        .annotate(households=Count("memberships"))
        .get(households=2)
    )
    households = set(father.memberships.values_list("family__reference", flat=True))
    assert len(households) == 2
    # His children in each household are his: one person, not two.
    children_by_household = set(
        Membership.objects.filter(
            role=Membership.Role.CHILD,
            person__relationships_as_relative__person=father,
            person__relationships_as_relative__kind=Relationship.Kind.PARENT,
        ).values_list("family__reference", flat=True)
    )
    assert children_by_household == households
    dmt = Referral.objects.get(person=father, pathway__code="dmt")
    assert dmt.family.reference in households


def test_the_demo_has_an_unborn_child_on_a_pre_birth_child_protection_plan(seeded):
    today = timezone.localdate()
    unborn = Person.objects.get(date_of_birth__isnull=True, expected_on__isnull=False)

    assert unborn.is_unborn
    assert unborn.expected_on > today
    assert list(unborn.memberships.values_list("role", "left_on")) == [
        (Membership.Role.CHILD, None)
    ]
    episode = unborn.status_episodes.get()
    assert (episode.status, episode.end_date) == ("cp", None)
    assert episode.start_date < unborn.expected_on


def test_the_demo_has_a_family_referred_again_within_a_year(seeded, client_for):
    period = InvolvementPeriod.objects.get()
    family = Family.objects.get(pk=period.family_id)
    worker = User.objects.get(username="social.worker")

    assert family.closed_on is None and family.social_worker == worker
    assert (family.opened_on - period.closed_on).days <= 365
    page = client_for(worker).get(reverse("families:detail", args=[family.pk])).content.decode()
    assert "Periods of involvement" in page
    assert "Re-referral within 12 months" in page


def test_the_demo_has_a_family_transferred_with_a_handover_note(seeded, client_for):
    transfer = Transfer.objects.select_related("family", "to_worker", "from_team").get()
    worker = User.objects.get(username="social.worker")

    assert transfer.to_worker == worker and transfer.family.team == worker.team
    assert transfer.from_team.name == "SASS West 2"
    page = client_for(worker).get(reverse("families:detail", args=[transfer.family.pk]))
    assert "Dad works nights" in page.content.decode()
