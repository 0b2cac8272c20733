"""The demo council's outcome facts: who has had motivational-interviewing training, which
teams have had father-inclusion training, and the dashboards' figures computed once."""

import datetime
import random

from django.db.models import Q

from accounts.models import Role, Team, User
from outcomes.reports import ReportParameters
from outcomes.services import dashboards_refresh_nightly, report_run_request


class OutcomesWork:
    def __init__(self, randomness: random.Random, today: datetime.date) -> None:
        self.randomness = randomness
        self.today = today

    def seed(self) -> None:
        """Training dates, set once (a later seed leaves what staff have since recorded)."""
        training_day = self.today - datetime.timedelta(days=300)
        staff = User.objects.filter(
            Q(role__in=(Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SERVICE_MANAGER))
            | Q(role=Role.SPECIALIST),
            mi_trained_on__isnull=True,
        ).order_by("username")
        for user in staff:
            # Three in four social care staff were trained; every specialist was.
            if user.role == Role.SPECIALIST or self.randomness.random() < 0.75:
                user.mi_trained_on = training_day + datetime.timedelta(
                    days=self.randomness.randint(0, 60)
                )
                user.save(update_fields=["mi_trained_on"])
        for number, team in enumerate(Team.objects.order_by("name")):
            if number % 2 == 0 and team.fathers_training_on is None:
                team.fathers_training_on = self.today - datetime.timedelta(days=365)
                team.save(update_fields=["fathers_training_on"])

    def compute(self) -> None:
        """The dashboards' standard reports and one cohort comparison, so the service
        manager's first visit has figures (run in-process when no broker is set)."""
        # As the nightly job does: the service's dashboard and each led pathway's (dmt.manager
        # reads Dads Matter Too's).
        dashboards_refresh_nightly()
        report_run_request(
            report="engagement",
            params=ReportParameters.parse(as_of=self.today, pathway="dmt"),
            by="cohort",
            acting_user=User.objects.get(username="service.manager"),
        )
