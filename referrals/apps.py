from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = "Specialist pathways"

    def ready(self) -> None:
        from families.panels import FamilyPanel, register

        from . import drafts
        from .selectors import family_panel

        register(FamilyPanel("referrals/_family_panel.html", family_panel))
        drafts.register()
