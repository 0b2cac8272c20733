from django.urls import path

from . import people_views, period_views, views

app_name = "families"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("export.csv", views.caseload_export, name="caseload_export"),
    path("new/", views.family_create, name="create"),
    path("search/", views.search, name="search"),
    path("closures/<int:pk>/decide/", views.closure_decide, name="closure_decide"),
    path("transfer-caseload/", period_views.caseload_transfer, name="caseload_transfer"),
    path("<int:pk>/", views.family_detail, name="detail"),
    path("<int:pk>/allocate/", views.family_allocate, name="allocate"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/children/<int:child_pk>/status/", views.child_status, name="child_status"),
    path("<int:pk>/people/<int:person_pk>/edit/", views.person_edit, name="person_edit"),
    path(
        "<int:pk>/children/<int:child_pk>/father-inclusion/",
        views.father_inclusion,
        name="father_inclusion",
    ),
    path("<int:pk>/children/<int:child_pk>/plans/new/", views.plan_start, name="plan_start"),
    path(
        "<int:pk>/plans/<int:plan_pk>/actions/new/", views.plan_action_add, name="plan_action_add"
    ),
    path(
        "<int:pk>/actions/<int:action_pk>/status/",
        views.plan_action_status,
        name="plan_action_status",
    ),
    path("<int:pk>/close/", views.closure_request, name="closure_request"),
    path("<int:pk>/re-refer/", period_views.family_rerefer, name="rerefer"),
    path("<int:pk>/transfer/", period_views.family_transfer, name="transfer"),
    path("<int:pk>/chronology/", views.chronology, name="chronology"),
    # Families that grow.
    path("<int:pk>/people/new/", people_views.person_add, name="person_add"),
    path("<int:pk>/people/<int:person_pk>/left/", people_views.member_leave, name="member_leave"),
    path(
        "<int:pk>/children/<int:child_pk>/father/new/",
        people_views.father_add,
        name="father_add",
    ),
    path("<int:pk>/pregnancies/new/", people_views.pregnancy_add, name="pregnancy_add"),
    path("<int:pk>/children/<int:child_pk>/birth/", people_views.birth_add, name="birth_add"),
]
