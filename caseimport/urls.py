from django.urls import path

from . import views

app_name = "caseimport"

urlpatterns = [path("", views.case_import, name="import")]
