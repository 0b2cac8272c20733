from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """What composes every app: the home page, the navigation and the demo seed."""

    name = "workspace"
