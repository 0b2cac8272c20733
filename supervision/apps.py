from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supervision"
    verbose_name = "Group supervision"

    def ready(self) -> None:
        from . import drafts

        drafts.register()
