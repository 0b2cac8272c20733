"""Sections that other apps add to the family page, so families imports none of them.

An app registers a panel in its AppConfig.ready(); the family page renders each panel's
template with the context its function returns for the user and family (keep it to a fixed
number of queries: the page's query count must not grow with data).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.models import User

from .models import Family


@dataclass(frozen=True)
class FamilyPanel:
    template: str
    context: Callable[[User, Family], dict[str, Any]]


@dataclass(frozen=True)
class RenderedPanel:
    template: str
    context: dict[str, Any]


_PANELS: list[FamilyPanel] = []


def register(panel: FamilyPanel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def panels_for(user: User, family: Family) -> list[RenderedPanel]:
    return [RenderedPanel(panel.template, panel.context(user, family)) for panel in _PANELS]
