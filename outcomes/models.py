"""A report asked for, and what came of it: computed in the background by Celery."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReportRun(models.Model):
    """One computation of one report with one set of parameters.

    `key` names the request (report, parameters, breakdown); while one run of a key is queued
    or running, asking again returns that run instead of starting another (a unique index
    makes sure of it even when two people ask at once).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    # A run of a request in these states is the one asking again returns.
    ACTIVE = (Status.QUEUED, Status.RUNNING)

    report = models.CharField(max_length=50)
    parameters = models.JSONField(
        default=dict, help_text="as_of, pathway, cohort, from, to and by, as typed."
    )
    key = models.CharField(max_length=64, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the nightly refresh.",
    )
    standard = models.BooleanField(
        default=False, help_text="One of the dashboards' standard reports, refreshed nightly."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status__in=["queued", "running"]),  # ACTIVE
                name="one_active_run_per_request",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="progress_at_most_100"),
        ]
        indexes = [models.Index(fields=["key", "status", "-finished_at"], name="run_key_status")]

    def __str__(self) -> str:
        return f"{self.report} run {self.pk} ({self.get_status_display().lower()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
