"""The API's own sign-in: tokens for staff, and service accounts for partner agencies' systems.

`POST /api/auth/token/` exchanges what the sign-in page asks for (a password, and a two-factor
code where two-factor applies) for a bearer token; the rest lists and revokes tokens, and lets
an administrator create service accounts and rotate their tokens. Every write is a service
of accounts.services; a token is in a response once, when it is made, and its hash never.
Errors are DRF's exceptions, which the API's conventions turn into problem details.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dmt.parsing import clean_text, has_control_characters, parse_id

from . import (
    api_schema,  # noqa: F401  (registers the bearer scheme with drf-spectacular)
    lockout,
    selectors,
    services,
)
from .api_auth import KEYWORD
from .models import ApiToken, PartnerAgency, SpecialistPathway, User
from .permissions import IsAdministrator, signed_in_user

TAG = "Authentication"


def _drf_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as the API reports one: by field where it names one."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError(error.messages)


def _problem(status_code: int, title: str, detail: str, description: str) -> OpenApiResponse:
    """An error response in the schema, with an example of its problem details (RFC 9457)."""
    return OpenApiResponse(
        response=OpenApiTypes.OBJECT,
        description=description,
        examples=[
            OpenApiExample(
                title,
                value={"title": title, "status": status_code, "detail": detail},
                status_codes=[status_code],
                response_only=True,
            )
        ],
    )


NOT_SIGNED_IN = _problem(
    401,
    "Not signed in",
    "This API token has expired: ask for a new one at /api/auth/token/",
    "No token, or a token that is unknown, expired or revoked, or whose owner is switched "
    "off. The message says which.",
)
NOT_ADMINISTRATOR = _problem(
    403,
    "Forbidden",
    "Only an administrator may do this.",
    "The caller is not an administrator.",
)


# Serializers ---------------------------------------------------------------------------------


class IdField(serializers.IntegerField):
    """A record's id as dmt.parsing reads one: ASCII digits, in range (int() takes "٣")."""

    def to_internal_value(self, data: Any) -> int:
        number = parse_id(data)
        if number is None:
            self.fail("invalid")
        assert number is not None  # fail() raises; this tells mypy
        return number


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
    otp = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="The code the authenticator app shows now, or a recovery code: needed when "
        "two-factor authentication applies to the user.",
    )
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text='What the token is for, shown in the list of tokens ("API token" if not given).',
    )


class IssuedTokenSerializer(serializers.Serializer):
    """A token just issued: the only time the token itself is ever shown."""

    id = serializers.IntegerField(source="token.id")
    name = serializers.CharField(source="token.name")
    token = serializers.CharField(source="key", help_text="Send it as: Authorization: Bearer …")
    expires = serializers.DateTimeField(source="token.expires_at")


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner and administrators see it later: never the token, nor its hash."""

    owner = serializers.CharField(source="user.username", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by.username", default=None, read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "owner",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "revoked_by",
            "active",
        ]
        read_only_fields = fields

    def get_active(self, token: ApiToken) -> bool:
        """Usable now: neither revoked nor expired."""
        return token.is_usable()


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerAgency
        fields = ["id", "name"]


class ServiceAccountSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="first_name")
    agency = AgencySerializer()

    class Meta:
        model = User
        fields = ["username", "name", "pathway", "agency", "is_active"]
        read_only_fields = fields


class ServiceAccountCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    name = serializers.CharField(max_length=150, help_text="The partner's system, in words.")
    pathway = serializers.ChoiceField(choices=SpecialistPathway.choices)
    agency = IdField(help_text="The id of the partner agency whose system this is.")

    def validate_agency(self, value: int) -> PartnerAgency:
        agency = PartnerAgency.objects.filter(pk=value).first()
        if agency is None:
            raise serializers.ValidationError("No partner agency has this id")
        return agency


class ServiceAccountCreatedSerializer(ServiceAccountSerializer):
    token = serializers.SerializerMethodField()

    class Meta(ServiceAccountSerializer.Meta):
        fields = [*ServiceAccountSerializer.Meta.fields, "token"]
        read_only_fields = fields

    def get_token(self, account: User) -> dict[str, Any]:
        return dict(IssuedTokenSerializer(self.context["issued"]).data)


# Examples ------------------------------------------------------------------------------------

TOKEN_EXAMPLE = {
    "id": 42,
    "name": "Reporting script",
    "token": "dmt_q0H1sE3v5O0mJbA6x2oRk9cQ0-1TtWnYhVd8uLfPzS4",
    "expires": "2026-03-02T17:30:00Z",
}
LISTED_TOKEN_EXAMPLE = {
    "id": 42,
    "name": "Reporting script",
    "owner": "dan.practitioner",
    "prefix": "dmt_q0H1sE3v",
    "created_at": "2026-03-02T09:30:00Z",
    "expires_at": "2026-03-02T17:30:00Z",
    "last_used_at": "2026-03-02T10:01:00Z",
    "revoked_at": None,
    "revoked_by": None,
    "active": True,
}
SERVICE_ACCOUNT_EXAMPLE = {
    "username": "turning-point-dmt",
    "name": "Turning Point case system",
    "pathway": "substance_use",
    "agency": {"id": 3, "name": "Turning Point"},
    "is_active": True,
}


# Views ---------------------------------------------------------------------------------------


_REFUSED_AS_401 = {
    services.SignInRefusal.CREDENTIALS,
    services.SignInRefusal.OTP_REQUIRED,
    services.SignInRefusal.OTP_WRONG,
}


@extend_schema(
    tags=[TAG],
    summary="Get an API token",
    description=(
        "Anyone may call this: it is the API's sign-in. Send the username and password you "
        "sign in to DMT with; if two-factor authentication applies to you (your role needs "
        "it, or you set up an authenticator app), add `otp`, the code your app shows now or "
        "one of your recovery codes. The token comes back once: keep it, and send it as "
        "`Authorization: Bearer <token>`. It expires after `DMT_API_TOKEN_HOURS` (8 hours "
        "unless configured). Wrong passwords and wrong codes count towards the same lockout "
        "as the sign-in page (5 failures lock the username out from your address for 15 "
        "minutes), and every attempt is audited. Service accounts cannot sign in here: an "
        "administrator issues their tokens."
    ),
    request=TokenRequestSerializer,
    responses={
        201: IssuedTokenSerializer,
        400: _problem(
            400, "Invalid input", "username: This field is required.", "A field is missing."
        ),
        401: _problem(
            401,
            "Not signed in",
            'Send the code your authenticator app shows now (or a recovery code) as "otp".',
            "Wrong username or password (code `credentials`), a two-factor code is needed "
            "(`otp_required`) or the code was wrong (`otp_wrong`).",
        ),
        403: _problem(
            403,
            "Forbidden",
            "Your role needs two-factor authentication. Sign in to DMT in a browser to set up "
            "an authenticator app, then ask for a token again.",
            "Two-factor authentication is required but not set up yet.",
        ),
        429: _problem(
            429,
            "Too many requests",
            "Too many failed attempts. Wait 15 minutes, then try again.",
            "Locked out after too many failed attempts (or too many requests).",
        ),
    },
    examples=[
        OpenApiExample(
            "Password only",
            value={"username": "dan.practitioner", "password": "correct horse battery"},
            request_only=True,
        ),
        OpenApiExample(
            "With a two-factor code",
            value={
                "username": "tina.manager",
                "password": "correct horse battery",
                "otp": "492039",
                "name": "Reporting script",
            },
            request_only=True,
        ),
        OpenApiExample("Issued", value=TOKEN_EXAMPLE, response_only=True, status_codes=[201]),
    ],
)
class TokenObtainView(APIView):
    """POST token/: a password (and code) for a token."""

    authentication_classes: list[type] = []  # this is the way in: no token, no session
    permission_classes = [AllowAny]
    throttle_scope = "auth"

    def get_authenticate_header(self, request: Request) -> str:
        """A refusal here is a 401 with WWW-Authenticate, like any API request not let in."""
        return f'{KEYWORD} realm="api"'

    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            issued = services.api_token_sign_in(
                request=request._request,
                username=data["username"],
                password=data["password"],
                otp=data.get("otp", ""),
                name=data.get("name", ""),
            )
        except services.SignInRefused as refused:
            code = refused.reason.value
            if refused.reason is services.SignInRefusal.LOCKED_OUT:
                wait = lockout.cool_off().total_seconds()
                raise exceptions.Throttled(wait=wait, detail=refused.message) from refused
            if refused.reason in _REFUSED_AS_401:
                raise exceptions.AuthenticationFailed(refused.message, code=code) from refused
            raise exceptions.PermissionDenied(refused.message, code=code) from refused
        except DjangoValidationError as error:
            raise _drf_error(error) from error
        return Response(IssuedTokenSerializer(issued).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG],
    summary="List API tokens",
    description=(
        "Any signed-in user (by token or session) may call this. It lists your own tokens, "
        "newest first, including expired and revoked ones (`active` says which still work); "
        "an administrator sees everyone's, and may narrow the list with `owner`. A token "
        "itself is never shown again after it is issued: `prefix` tells them apart."
    ),
    parameters=[
        OpenApiParameter(
            "owner",
            OpenApiTypes.STR,
            description="Only this user's tokens (a username). For anyone but an "
            "administrator, another user's name gives an empty list.",
        )
    ],
    responses={200: ApiTokenSerializer(many=True), 401: NOT_SIGNED_IN},
    examples=[OpenApiExample("A token", value=LISTED_TOKEN_EXAMPLE, response_only=True)],
)
class TokenListView(generics.ListAPIView):
    """GET tokens/."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]

    ordering = "-pk"  # newest first (cursor pagination needs one unique column)

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return ApiToken.objects.none()
        tokens = selectors.api_tokens_for(signed_in_user(self.request))
        owner = clean_text(self.request.query_params.get("owner", ""))
        if owner:
            tokens = tokens.filter(user__username=owner)
        return tokens.order_by("-created_at", "-id")


@extend_schema_view(
    get=extend_schema(
        tags=[TAG],
        summary="Show an API token",
        description=(
            "The token's owner or an administrator may call this; for anyone else the token "
            "is not found (404). Shows the token's name, prefix and dates, never the token."
        ),
        responses={
            200: ApiTokenSerializer,
            401: NOT_SIGNED_IN,
            404: _problem(404, "Not found", "Not found.", "No such token of yours."),
        },
        examples=[OpenApiExample("A token", value=LISTED_TOKEN_EXAMPLE, response_only=True)],
    ),
    delete=extend_schema(
        tags=[TAG],
        summary="Revoke an API token",
        description=(
            "The token's owner or an administrator may call this; for anyone else the token "
            "is not found (404). The token stops working at once (the request revoking it "
            "may use it). Revoking a token already revoked changes nothing. Audited."
        ),
        responses={
            204: OpenApiResponse(description="Revoked (or already revoked)."),
            401: NOT_SIGNED_IN,
            404: _problem(404, "Not found", "Not found.", "No such token of yours."),
        },
    ),
)
class TokenDetailView(generics.RetrieveDestroyAPIView):
    """GET and DELETE tokens/<id>/."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self) -> ApiToken:
        token_id = parse_id(self.kwargs["pk"])
        if token_id is None:
            raise exceptions.NotFound
        tokens = selectors.api_tokens_for(signed_in_user(self.request))
        return get_object_or_404(tokens, pk=token_id)

    def perform_destroy(self, instance: ApiToken) -> None:
        services.api_token_revoke(token=instance, acting_user=signed_in_user(self.request))


@extend_schema_view(
    get=extend_schema(
        tags=[TAG],
        summary="List service accounts",
        description=(
            "Administrators only. The service accounts of partner agencies' systems: each a "
            "practitioner of one pathway at one agency, which sees through the API exactly "
            "what such a practitioner allocated those referrals would."
        ),
        responses={
            200: ServiceAccountSerializer(many=True),
            401: NOT_SIGNED_IN,
            403: NOT_ADMINISTRATOR,
        },
        examples=[
            OpenApiExample("A service account", value=SERVICE_ACCOUNT_EXAMPLE, response_only=True)
        ],
    ),
    post=extend_schema(
        tags=[TAG],
        summary="Create a service account",
        description=(
            "Administrators only. Creates a partner agency's system as a practitioner of "
            "`pathway` at `agency`, with no password (it can never sign in to pages, nor get "
            "a token at /api/auth/token/), and issues its first token, valid for "
            "`DMT_SERVICE_TOKEN_DAYS` (365 unless configured). The token is in this response "
            "only: pass it to the partner securely. Audited."
        ),
        request=ServiceAccountCreateSerializer,
        responses={
            201: ServiceAccountCreatedSerializer,
            400: _problem(
                400,
                "Invalid input",
                "username: A user with that username already exists.",
                "A field is missing or wrong, or the username is taken.",
            ),
            401: NOT_SIGNED_IN,
            403: NOT_ADMINISTRATOR,
        },
        examples=[
            OpenApiExample(
                "New service account",
                value={
                    "username": "turning-point-dmt",
                    "name": "Turning Point case system",
                    "pathway": "substance_use",
                    "agency": 3,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={**SERVICE_ACCOUNT_EXAMPLE, "token": TOKEN_EXAMPLE},
                response_only=True,
                status_codes=[201],
            ),
        ],
    ),
)
class ServiceAccountListView(generics.ListCreateAPIView):
    """GET and POST service-accounts/."""

    serializer_class = ServiceAccountSerializer
    permission_classes = [IsAdministrator]

    ordering = "username"

    def get_queryset(self) -> QuerySet[User]:
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return selectors.service_accounts_for(signed_in_user(self.request)).order_by("username")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ServiceAccountCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        account = User(
            username=data["username"],
            first_name=data["name"],
            pathway=data["pathway"],
            agency=data["agency"],
        )
        try:
            issued = services.service_account_create(
                account=account, acting_user=signed_in_user(request)
            )
        except DjangoValidationError as error:
            raise _drf_error(error) from error
        body = ServiceAccountCreatedSerializer(account, context={"issued": issued}).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG],
    summary="Rotate a service account's token",
    description=(
        "Administrators only. Issues the service account a new token, valid for "
        "`DMT_SERVICE_TOKEN_DAYS`, and revokes every token it had, at once: use it when the "
        "partner is ready to switch, or straight away when a token has leaked. The new token "
        "is in this response only. Audited. No request body."
    ),
    request=None,
    responses={
        201: IssuedTokenSerializer,
        400: _problem(
            400,
            "Invalid input",
            "This service account is switched off: switch it on first",
            "The service account is switched off.",
        ),
        401: NOT_SIGNED_IN,
        403: NOT_ADMINISTRATOR,
        404: _problem(404, "Not found", "Not found.", "No service account has this username."),
    },
    examples=[
        OpenApiExample("Rotated", value=TOKEN_EXAMPLE, response_only=True, status_codes=[201])
    ],
)
class ServiceAccountRotateView(APIView):
    """POST service-accounts/<username>/rotate/."""

    permission_classes = [IsAdministrator]

    def post(self, request: Request, username: str) -> Response:
        if has_control_characters(username):
            raise exceptions.NotFound
        acting_user = signed_in_user(request)
        account = get_object_or_404(selectors.service_accounts_for(acting_user), username=username)
        try:
            issued = services.service_token_rotate(account=account, acting_user=acting_user)
        except DjangoValidationError as error:
            raise _drf_error(error) from error
        return Response(IssuedTokenSerializer(issued).data, status=status.HTTP_201_CREATED)
