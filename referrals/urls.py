from django.urls import path

from . import dmt_views, views

app_name = "referrals"

urlpatterns = [
    # The family the referral is made from; without it, the person's only family.
    path("new/<int:person_pk>/from/<int:family_pk>/", views.refer, name="refer"),
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
    # Dads Matter Too work, and a pathway's eligibility rules (referrals.dmt_views).
    path("dmt/", dmt_views.dmt_work, name="dmt_work"),
    path("dmt/consultations/new/", dmt_views.consultation_create, name="dmt_consultation_create"),
    path("dmt/training/new/", dmt_views.training_create, name="dmt_training_create"),
    path("dmt/programmes/new/", dmt_views.programme_create, name="dmt_programme_create"),
    path("dmt/programmes/<int:pk>/", dmt_views.programme_detail, name="dmt_programme"),
    path(
        "dmt/programmes/<int:pk>/sessions/<int:number>/",
        dmt_views.session_detail,
        name="dmt_session",
    ),
    path("pathways/<slug:code>/rules/", dmt_views.rule_list, name="rules"),
    path("pathways/<slug:code>/rules/new/", dmt_views.rule_create, name="rule_create"),
    path("pathways/<slug:code>/rules/<int:pk>/end/", dmt_views.rule_end, name="rule_end"),
]
