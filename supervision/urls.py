from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("set-up/", views.group_setup, name="setup"),
    path("availability/", views.availability, name="availability"),
    path("groups/<int:pk>/members/", views.members, name="members"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/schedule/", views.meeting_schedule, name="schedule"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/agenda/", views.agenda, name="agenda"),
    path("meetings/<int:pk>/slots/", views.slot_finder, name="slots"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("meetings/<int:pk>/sign-off/", views.sign_off, name="sign_off"),
    path("meetings/<int:pk>/families/<int:family_pk>/minutes/", views.minutes, name="minutes"),
    path(
        "meetings/<int:pk>/families/<int:family_pk>/not-discussed/",
        views.not_discussed,
        name="not_discussed",
    ),
    path(
        "meetings/<int:pk>/families/<int:family_pk>/interval/",
        views.family_interval,
        name="interval",
    ),
    path("discussions/<int:pk>/addendum/", views.addendum, name="addendum"),
    path("actions/<int:pk>/done/", views.action_done, name="action_done"),
]
