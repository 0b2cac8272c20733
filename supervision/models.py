"""Group supervision: each team's weekly multi-disciplinary forum (DOMAIN.md).

A team's SupervisionGroup meets in a recurring slot. Each Meeting has an agenda of families
(proposed by priority, arranged by the chair), a pack built before it, minutes per family
discussed (who was present, each adult's cycle-of-change stage, the child-safety RAG, analysis,
decisions and actions), and a sign-off after which the minutes are read-only and corrections
are dated addenda. Staff working patterns and leave say who can attend when.
"""

import datetime
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from referrals.models import Rag


class SupervisionGroup(models.Model):
    """A team's group supervision: its chair, members and recurring slot."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.PROTECT, related_name="supervision_group"
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="groups_chaired"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="supervision_groups", blank=True
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    length_minutes = models.PositiveSmallIntegerField(default=120)
    every_weeks = models.PositiveSmallIntegerField(
        default=1, help_text="1 for weekly, 2 for fortnightly."
    )
    location = models.CharField(
        max_length=300, help_text="A room, or the online meeting link.", blank=True
    )
    families_per_meeting = models.PositiveSmallIntegerField(default=6)
    minutes_per_family = models.PositiveSmallIntegerField(default=20)

    class Meta:
        ordering = ["team__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1) & Q(every_weeks__lte=8),
                name="group_every_1_to_8_weeks",
            ),
            models.CheckConstraint(
                condition=Q(length_minutes__gte=15), name="group_length_at_least_15"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} group supervision"


class WorkingDay(models.Model):
    """One day of a member of staff's usual week. Someone with none recorded is taken to
    work Monday to Friday, 9:00 to 17:00."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_days"
    )
    weekday = models.PositiveSmallIntegerField(choices=SupervisionGroup.Weekday.choices)
    starts_at = models.TimeField(default=datetime.time(9, 0))
    ends_at = models.TimeField(default=datetime.time(17, 0))

    class Meta:
        ordering = ["user", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["user", "weekday"], name="working_day_once"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="working_day_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_weekday_display()} {self.starts_at}-{self.ends_at}"


class Leave(models.Model):
    """Days a member of staff is away (annual leave, training, sickness), inclusive."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["user", "starts_on"]
        verbose_name_plural = "leave"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="leave_ends_on_or_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.starts_on} to {self.ends_on}"


# How often a family should come back to group supervision, by its child-safety RAG.
DEFAULT_INTERVAL_DAYS: dict[str, int] = {Rag.RED: 7, Rag.AMBER: 28, Rag.GREEN: 42}


class FamilyDiscussionPlan(models.Model):
    """A family's target interval between discussions, when the chair sets one; otherwise
    DEFAULT_INTERVAL_DAYS by the family's latest child-safety RAG applies."""

    family = models.OneToOneField(
        "families.Family", on_delete=models.CASCADE, related_name="discussion_plan"
    )
    interval_days = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"{self.family}: every {self.interval_days} days"


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(SupervisionGroup, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField()
    length_minutes = models.PositiveSmallIntegerField()
    location = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancellation_reason = models.TextField(blank=True)
    pack = models.JSONField(null=True, blank=True, help_text="Built before the meeting.")
    pack_built_at = models.DateTimeField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Bumped on each change a calendar must see (time, place, cancellation): the .ics SEQUENCE.
    sequence = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["group", "starts_at"], name="meeting_group_start_idx")]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.group.team} group supervision, {local:%-d %B %Y %H:%M}"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.length_minutes)

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    @property
    def notice_hours(self) -> float | None:
        """Hours between cancelling and the meeting's start (negative: cancelled after)."""
        if self.cancelled_at is None:
            return None
        return (self.starts_at - self.cancelled_at).total_seconds() / 3600


class NotDiscussed(models.TextChoices):
    NO_SHOW = "no_show", "The social worker did not come"
    OUT_OF_TIME = "out_of_time", "Ran out of time"
    OTHER = "other", "Other"


class AgendaItem(models.Model):
    """A family on a meeting's agenda, in the chair's order, with why it was proposed."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    family = models.ForeignKey("families.Family", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300, blank=True)
    not_discussed = models.CharField(
        max_length=20,
        choices=NotDiscussed.choices,
        blank=True,
        help_text="Set when the meeting was held but this family was not discussed.",
    )

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "family"], name="agenda_family_once"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.family}"


class Discussion(models.Model):
    """The minutes of one family at one meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="discussions")
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="discussions"
    )
    discussed_on = models.DateField()
    present = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    child_safety_rag = models.CharField("child safety RAG", max_length=5, choices=Rag.choices)
    analysis = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    stage_entries = models.ManyToManyField(
        "referrals.CycleOfChangeEntry", related_name="discussions", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "family"], name="discussion_once"),
        ]
        indexes = [models.Index(fields=["family", "discussed_on"], name="discussion_family_idx")]

    def __str__(self) -> str:
        return f"{self.family} at {self.meeting}"


class ActionQuerySet(models.QuerySet["SupervisionAction"]):
    def open(self) -> "ActionQuerySet":
        return self.filter(done_on__isnull=True)

    def overdue_on(self, day: datetime.date) -> "ActionQuerySet":
        return self.open().filter(due_on__lt=day)


class SupervisionAction(models.Model):
    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_actions"
    )
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def is_overdue(self) -> bool:
        return self.done_on is None and self.due_on < timezone.localdate()


class Addendum(models.Model):
    """A dated correction to signed-off minutes: the minutes themselves never change."""

    discussion = models.ForeignKey(Discussion, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["discussion", "written_at"]
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum to {self.discussion} ({self.written_at:%Y-%m-%d})"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A member of staff's personal calendar feed. The URL's token is the only credential a
    calendar app can send, so it is long, random and revocable (a new one replaces it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed for {self.user}"
