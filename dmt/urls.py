from django.contrib import admin
from django.urls import include, path

from accounts.views import home
from dmt.health import healthz

urlpatterns = [
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("families/", include("families.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
