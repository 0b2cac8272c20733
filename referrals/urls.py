from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("new/<int:person_pk>/", views.refer, name="refer"),
    path("caseload.csv", views.caseload_export, name="caseload_export"),
    path("pathways/", views.pathway_list, name="pathways"),
    path("pathways/<slug:code>/", views.pathway_detail, name="pathway"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/allocate/", views.allocate, name="allocate"),
    path("<int:pk>/stage/", views.stage_change, name="stage"),
    path("<int:pk>/engagement/", views.engagement_change, name="engagement"),
    path("<int:pk>/attempts/new/", views.attempt_create, name="attempt_create"),
    path("<int:pk>/appointments/new/", views.appointment_create, name="appointment_create"),
    path(
        "<int:pk>/appointments/<int:appointment_pk>/",
        views.appointment_outcome,
        name="appointment_outcome",
    ),
    path("<int:pk>/measures/<slug:code>/new/", views.measure_create, name="measure_create"),
    path("<int:pk>/cycle-of-change/", views.cycle_of_change, name="cycle_of_change"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/close/", views.close, name="close"),
]
