"""The management API for a member's own credentials (contract in DESIGN.md)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import active_membership
from accounts.audit import client_ip
from accounts.models import Membership
from credentials import leaks, services, throttling
from credentials.authentication import Principal
from credentials.models import Credential
from credentials.scopes import ALL_SCOPES


class CredentialOutput(serializers.ModelSerializer):
    class Meta:
        model = Credential
        fields = ["client_id", "name", "secret_hint", "created_at", "last_used_at"]


class CreatedCredentialOutput(CredentialOutput):
    client_secret = serializers.CharField(help_text="Shown in this response only. Store it securely now.")

    class Meta(CredentialOutput.Meta):
        fields = [*CredentialOutput.Meta.fields, "client_secret"]


class CreateCredentialInput(serializers.Serializer):
    name = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=1000, help_text=services.NAME_RULES
    )


class LimitReachedOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class MeOutput(serializers.Serializer):
    user = serializers.DictField()
    account = serializers.DictField()
    role = serializers.ChoiceField(choices=["owner", "member"])
    credential = serializers.DictField(allow_null=True)
    authentication = serializers.ChoiceField(choices=["session", "client_secret", "access_token"])
    scopes = serializers.ListField(child=serializers.CharField())


def caller_membership(request: Request) -> Membership:
    """A bearer caller acts through its credential's membership; a signed-in person through the active account."""
    if isinstance(request.auth, Principal):
        return request.auth.membership
    membership = active_membership(request)
    if membership is None:
        raise PermissionDenied("You are not a member of any account.")
    return membership


class MeView(APIView):
    """Who the caller is: user, account, role, and the credential when it authenticated with one."""

    scope_area = None

    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        membership = caller_membership(request)
        principal = request.auth if isinstance(request.auth, Principal) else None
        return Response(
            {
                "user": {"email": membership.user.email},
                "account": {"cloud_account_id": membership.account.cloud_account_id, "name": membership.account.name},
                "role": membership.role,
                "credential": {"client_id": principal.client_id, "name": principal.credential_name}
                if principal
                else None,
                "authentication": principal.method if principal else "session",
                "scopes": sorted(principal.scopes) if principal else sorted(ALL_SCOPES),
            }
        )


class CredentialListCreate(APIView):
    scope_area = "credentials"

    @extend_schema(responses=CredentialOutput(many=True))
    def get(self, request: Request) -> Response:
        credentials = services.list_credentials(caller_membership(request))
        return Response(CredentialOutput(credentials, many=True).data)

    @extend_schema(request=CreateCredentialInput, responses={201: CreatedCredentialOutput, 409: LimitReachedOutput})
    def post(self, request: Request) -> Response:
        membership = caller_membership(request)
        data = CreateCredentialInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            credential, secret = services.generate_credential(
                membership=membership, name=data.validated_data["name"], request=request
            )
        except DjangoValidationError as error:
            raise APIValidationError(error.message_dict) from None
        except services.CredentialLimitReached as error:
            return Response({"detail": str(error), "code": "credential_limit_reached"}, status=status.HTTP_409_CONFLICT)
        credential.client_secret = secret
        return Response(
            CreatedCredentialOutput(credential).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )


class LeakReportInput(serializers.Serializer):
    secret = serializers.CharField(max_length=200, trim_whitespace=True, help_text="The client secret you found.")
    source = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Where you found it (a URL, a file)."
    )


class LeakReportOutput(serializers.Serializer):
    detail = serializers.CharField()


class AcceptedThenProcess(Response):
    """A 202 whose follow-up work runs when the server closes the response, after it was sent."""

    def __init__(self, data, after) -> None:
        super().__init__(data, status=status.HTTP_202_ACCEPTED)
        self._after = after

    def close(self) -> None:
        super().close()
        self._after()


class ReportLeak(APIView):
    """Anyone who finds one of our secrets in the wild reports it here; no account needed."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(request=LeakReportInput, responses={202: LeakReportOutput})
    def post(self, request: Request) -> Response:
        wait = throttling.take("leak_reports_per_ip", client_ip(request) or "-")
        if wait is not None:
            raise Throttled(wait)
        data = LeakReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = leaks.record_leak_report(request=request, **data.validated_data)
        body = {"detail": "Thank you. If this is one of our secrets, it is revoked and its owner is told."}
        return AcceptedThenProcess(body, after=lambda: leaks.process_leak_report(report.pk))


class CredentialDetail(APIView):
    scope_area = "credentials"

    @extend_schema(responses={204: None})
    def delete(self, request: Request, client_id: str) -> Response:
        services.delete_credential(membership=caller_membership(request), client_id=client_id, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
