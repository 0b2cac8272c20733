from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from dmt.health import healthz
from referrals.api import ReferralViewSet
from workspace.views import home

api = SimpleRouter()
api.register("referrals", ReferralViewSet, basename="api-referral")

urlpatterns = [
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("families/import/", include("caseimport.urls")),
    path("families/", include("families.urls")),
    path("referrals/", include("referrals.urls")),
    path("supervision/", include("supervision.urls")),
    path("calendar/", include("supervision.feed_urls")),
    path("outcomes/", include("outcomes.urls")),
    path("api/auth/", include("accounts.api_urls")),
    path("api/", include(api.urls)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
