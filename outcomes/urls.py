from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
    path("reports/new/", views.report_request, name="request"),
    path("runs/", views.run_list, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status.json", views.run_status, name="run_status"),
    path("runs/<int:pk>/export.csv", views.export_csv, name="export_csv"),
    path("runs/<int:pk>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("runs/<int:pk>/print/", views.run_print, name="print"),
    path("runs/<int:pk>/cases/", views.members, name="members"),
]
