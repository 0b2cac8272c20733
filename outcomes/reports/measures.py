"""Outcome measures beyond the spec's four reports (issue 6, "More measures")."""

from .base import Report

REPORTS: tuple[Report, ...] = ()
