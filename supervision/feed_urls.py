from django.urls import path, re_path

from . import feed_views

app_name = "supervision_feed"

urlpatterns = [
    path("feed/", feed_views.feed_page, name="feed"),
    re_path(r"^feed/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", feed_views.feed, name="ics"),
    path("meetings/<int:pk>.ics", feed_views.meeting_download, name="meeting_ics"),
]
