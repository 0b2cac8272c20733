from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "families"
    verbose_name = "Families and children"

    def ready(self) -> None:
        from . import drafts

        drafts.register()
