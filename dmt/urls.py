from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from dmt.api.views import REFERENCE_PATTERN
from dmt.health import healthz
from families.api import (
    ContactViewSet,
    FamilyViewSet,
    PersonViewSet,
    PlanActionViewSet,
    PlanViewSet,
    StatusEpisodeViewSet,
)
from outcomes.api import ReportRunViewSet
from referrals.api import (
    AppointmentViewSet,
    AttemptViewSet,
    CycleEntryViewSet,
    ReadingViewSet,
    ReferralViewSet,
)
from supervision.api import ActionViewSet, MeetingViewSet
from workspace.views import api_home, home

api = SimpleRouter()
api.register("referrals", ReferralViewSet, basename="api-referral")
api.register("families", FamilyViewSet, basename="api-family")
api.register("people", PersonViewSet, basename="api-person")
_FAMILY = f"families/(?P<family_reference>{REFERENCE_PATTERN})"
api.register(
    f"{_FAMILY}/status-episodes", StatusEpisodeViewSet, basename="api-family-status-episode"
)
api.register(f"{_FAMILY}/contacts", ContactViewSet, basename="api-family-contact")
api.register(f"{_FAMILY}/plans", PlanViewSet, basename="api-family-plan")
api.register(f"{_FAMILY}/plan-actions", PlanActionViewSet, basename="api-family-plan-action")
api.register("supervision/meetings", MeetingViewSet, basename="api-meeting")
api.register("supervision/actions", ActionViewSet, basename="api-action")
api.register("reports", ReportRunViewSet, basename="api-report")
_referral = rf"referrals/(?P<referral_reference>{REFERENCE_PATTERN})"
api.register(f"{_referral}/attempts", AttemptViewSet, basename="api-referral-attempt")
api.register(f"{_referral}/appointments", AppointmentViewSet, basename="api-referral-appointment")
api.register(f"{_referral}/readings", ReadingViewSet, basename="api-referral-reading")
api.register(f"{_referral}/cycle-of-change", CycleEntryViewSet, basename="api-referral-cycle")

urlpatterns = [
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("families/import/", include("caseimport.urls")),
    path("families/", include("families.urls")),
    path("referrals/", include("referrals.urls")),
    path("supervision/", include("supervision.urls")),
    path("calendar/", include("supervision.feed_urls")),
    path("outcomes/", include("outcomes.urls")),
    path("api/", api_home, name="api-home"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/auth/", include("accounts.api_urls")),
    path("api/", include(api.urls)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
# A URL under /api/ that no route takes is answered as a problem detail, not the HTML page.
handler404 = "dmt.api.problems.page_not_found"
