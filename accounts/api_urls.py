"""The API's sign-in and tokens, included under api/auth/ (namespace "api-auth")."""

from django.urls import path

from . import api

app_name = "api-auth"

urlpatterns = [
    path("token/", api.TokenObtainView.as_view(), name="token"),
    path("tokens/", api.TokenListView.as_view(), name="tokens"),
    path("tokens/<int:pk>/", api.TokenDetailView.as_view(), name="token_detail"),
    path("service-accounts/", api.ServiceAccountListView.as_view(), name="service_accounts"),
    path(
        "service-accounts/<str:username>/rotate/",
        api.ServiceAccountRotateView.as_view(),
        name="service_account_rotate",
    ),
]
