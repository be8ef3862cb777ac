"""The management API for a member's own credentials (contract in DESIGN.md)."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import active_membership
from accounts.audit import AuditContext, client_ip
from accounts.models import MAX_POLICY_DAYS, MIN_POLICY_DAYS, Membership
from credentials import allowlist, leaks, lineage, services, throttling, usage
from credentials.access import own_credential_or_404, visible_credential_or_404
from credentials.authentication import InvalidToken
from credentials.lineage import BroaderThanCaller, CallerRevoked
from credentials.models import MAX_CREDENTIALS, Credential, Status
from credentials.scopes import ALL_SCOPES, SCOPES
from credentials.verify import Principal

REVOKED_AT = "Revoked-At"
DESCENDANTS_DELETED = "Descendants-Deleted"
TAKES_EFFECT = "immediately"
PERMISSION_CHOICES = sorted(SCOPES)


class ParentOutput(serializers.Serializer):
    client_id = serializers.CharField()
    name = serializers.CharField()


class CredentialOutput(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    regions = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The regions it may be used in; empty: every region."
    )
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=PERMISSION_CHOICES),
        read_only=True,
        help_text="The scopes it carries. A client secret used directly has exactly these; a token at most these.",
    )
    predates_permissions = serializers.BooleanField(
        read_only=True, help_text="Made before permissions existed: it keeps all four (full access)."
    )
    allowed_ips = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="CIDRs it may be used from; empty: any address."
    )
    allowed_ips_mode = serializers.ChoiceField(choices=list(allowlist.MODES), read_only=True)
    created_by = ParentOutput(
        source="parent",
        read_only=True,
        allow_null=True,
        help_text="The credential whose bearer made this one (it goes when that one goes); null when a person did.",
    )

    class Meta:
        model = Credential
        fields = [
            "client_id",
            "name",
            "secret_hint",
            "status",
            "regions",
            "created_at",
            "expires_at",
            "disabled_at",
            "disabled_reason",
            "last_used_at",
            "last_used_ip",
            "last_used_region",
            "permissions",
            "predates_permissions",
            "allowed_ips",
            "allowed_ips_mode",
            "created_by",
        ]


class CreatedCredentialOutput(CredentialOutput):
    client_secret = serializers.CharField(help_text="Shown in this response only. Store it securely now.")

    class Meta(CredentialOutput.Meta):
        fields = [*CredentialOutput.Meta.fields, "client_secret"]


class CreateCredentialInput(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=1000, help_text=services.NAME_HELP)
    regions = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=50,
        help_text="Restrict the credential to these region slugs. Omitted or empty: every region.",
    )
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=3650,
        help_text="30, 90 or 365; null: never expires; omitted: the account's longest lifetime, or never (for a "
        "bearer caller: its own expiry). An owner's policy (GET /api/v1/account/credential-policies) may cap it; "
        "the cap itself is then also allowed.",
    )
    permissions = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=10,
        help_text=f"A non-empty subset of {', '.join(PERMISSION_CHOICES)}. Omitted: compute:read and compute:write "
        "(for a bearer caller: its own permissions, within its token's scope).",
    )
    allowed_ips = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=100,
        help_text=f"Up to {allowlist.MAX_NETWORKS} IPv4 or IPv6 addresses or CIDR ranges it may be used from; empty: "
        "any address. Omitted: any address (for a bearer caller: its own list).",
    )
    allowed_ips_mode = serializers.ChoiceField(
        choices=list(allowlist.MODES),
        required=False,
        help_text="enforce (default): uses from elsewhere are refused; report: they succeed and are recorded in the "
        "credential's usage.",
    )


class BroaderThanCallerOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    too_broad = serializers.DictField(child=serializers.CharField(), help_text="Per field, what exceeds the caller.")


class LimitReachedOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class MeUserOutput(serializers.Serializer):
    email = serializers.EmailField()


class MeAccountOutput(serializers.Serializer):
    cloud_account_id = serializers.CharField(help_text="The account in the regional services' paths.")
    name = serializers.CharField()


class MeOutput(serializers.Serializer):
    user = MeUserOutput()
    account = MeAccountOutput()
    role = serializers.ChoiceField(choices=["owner", "member"])
    credential = ParentOutput(allow_null=True, help_text="The credential used; null for a signed-in person.")
    authentication = serializers.ChoiceField(choices=["session", "client_secret", "access_token"])
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=PERMISSION_CHOICES), help_text="What the caller may do."
    )


def bearer_credential(request: Request) -> Credential | None:
    """The credential of a bearer caller, which reaches only itself and its descendants; None for a person."""
    return request.auth.credential if isinstance(request.auth, Principal) else None


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

    @extend_schema(operation_id="get_me", summary="Who am I", responses=MeOutput)
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

    @extend_schema(
        operation_id="list_credentials",
        summary="List your credentials",
        description=f"Not paginated: a member has at most {MAX_CREDENTIALS} credentials.",
        responses=CredentialOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        credentials = lineage.reachable(caller_membership(request), bearer_credential(request))
        return Response(CredentialOutput(credentials, many=True).data)

    @extend_schema(
        operation_id="create_credential",
        summary="Generate a credential",
        request=CreateCredentialInput,
        responses={201: CreatedCredentialOutput, 403: BroaderThanCallerOutput, 409: LimitReachedOutput},
    )
    def post(self, request: Request) -> Response:
        """A bearer caller makes a child no broader than itself; a signed-in person chooses freely."""
        membership = caller_membership(request)
        data = CreateCredentialInput(data=request.data)
        data.is_valid(raise_exception=True)
        ceiling = request.auth.ceiling() if isinstance(request.auth, Principal) else None
        try:
            credential, secret = services.generate_credential(
                membership=membership,
                ceiling=ceiling,
                context=AuditContext.from_request(request),
                **data.validated_data,
            )
        except DjangoValidationError as error:
            raise APIValidationError(error.message_dict) from None
        except CallerRevoked as error:
            raise InvalidToken(str(error)) from None
        except BroaderThanCaller as error:
            body = {"detail": str(error), "code": "broader_than_caller", "too_broad": error.problems}
            return Response(body, status=status.HTTP_403_FORBIDDEN)
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
    source = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.source
        max_length=500, required=False, allow_blank=True, help_text="Where you found it (a URL, a file)."
    )


class LeakReportOutput(serializers.Serializer):
    detail = serializers.CharField()


class AcceptedThenProcess(Response):
    """A 202 (unless told otherwise) whose follow-up work runs when the server closes the response,
    after it was sent."""

    def __init__(self, data, after, code: int = status.HTTP_202_ACCEPTED) -> None:
        super().__init__(data, status=code)
        self._after = after

    def close(self) -> None:
        super().close()
        self._after()


class ReportLeak(APIView):
    """Anyone who finds one of our secrets in the wild reports it here; no account needed."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="report_leaked_secret",
        summary="Report a leaked client secret",
        request=LeakReportInput,
        responses={202: LeakReportOutput},
    )
    def post(self, request: Request) -> Response:
        wait = throttling.take("leak_reports_per_ip", client_ip(request) or "-")
        if wait is not None:
            raise Throttled(wait)
        data = LeakReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = leaks.record_leak_report(context=AuditContext.from_request(request), **data.validated_data)
        body = {"detail": "Thank you. If this is one of our secrets, it is revoked and its owner is told."}
        return AcceptedThenProcess(body, after=lambda: leaks.process_leak_report(report.pk))


def _http_time(moment) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class CredentialDetail(APIView):
    scope_area = "credentials"

    @extend_schema(operation_id="get_credential", summary="Get a credential", responses=CredentialOutput)
    def get(self, request: Request, client_id: str) -> Response:
        credential = own_credential_or_404(caller_membership(request), client_id, bearer=bearer_credential(request))
        return Response(CredentialOutput(credential).data)

    @extend_schema(
        operation_id="delete_credential",
        summary="Delete a credential and those made with it",
        responses={
            204: OpenApiResponse(
                description=f"Deleted, with every credential made with it. It stopped working {TAKES_EFFECT}; the "
                f"{REVOKED_AT} header (RFC 3339, UTC) says when, to the second, and {DESCENDANTS_DELETED} how many "
                "descendants went with it."
            )
        },
    )
    def delete(self, request: Request, client_id: str) -> Response:
        credential = services.delete_credential(
            membership=caller_membership(request),
            client_id=client_id,
            bearer=bearer_credential(request),
            context=AuditContext.from_request(request),
        )
        headers = {REVOKED_AT: _http_time(credential.revoked_at), DESCENDANTS_DELETED: str(len(credential.descendants))}
        return Response(status=status.HTTP_204_NO_CONTENT, headers=headers)


class ChangedCredentialOutput(CredentialOutput):
    takes_effect = serializers.CharField(help_text="When the change applies to requests: immediately.")
    descendants_disabled = serializers.IntegerField(
        help_text="How many credentials made with this one were disabled with it (0 when enabling)."
    )

    class Meta(CredentialOutput.Meta):
        fields = [*CredentialOutput.Meta.fields, "takes_effect", "descendants_disabled"]


def _changed(credential: Credential, descendants_disabled: int = 0) -> Response:
    credential.takes_effect, credential.descendants_disabled = TAKES_EFFECT, descendants_disabled
    return Response(ChangedCredentialOutput(credential).data)


class DisableCredential(APIView):
    """Stop one of your credentials, and those made with it, without deleting them; `disabled_at` is when."""

    scope_area = "credentials"

    @extend_schema(
        operation_id="disable_credential",
        summary="Disable a credential",
        request=None,
        responses=ChangedCredentialOutput,
    )
    def post(self, request: Request, client_id: str) -> Response:
        membership = caller_membership(request)
        credential = own_credential_or_404(membership, client_id, bearer=bearer_credential(request))
        disabled = services.disable_credential(
            credential=credential,
            by=membership.user,
            reason="Disabled by its member.",
            context=AuditContext.from_request(request),
        )
        return _changed(credential, sum(target != credential for target in disabled))


class EnableCredential(APIView):
    """Turn one of your disabled credentials back on (not an expired one)."""

    scope_area = "credentials"

    @extend_schema(
        operation_id="enable_credential",
        summary="Enable a credential",
        request=None,
        responses=ChangedCredentialOutput,
    )
    def post(self, request: Request, client_id: str) -> Response:
        try:
            credential = services.enable_credential(
                membership=caller_membership(request),
                client_id=client_id,
                bearer=bearer_credential(request),
                context=AuditContext.from_request(request),
            )
        except DjangoValidationError as error:
            return Response(
                {"detail": " ".join(error.messages), "code": "credential_expired"}, status=status.HTTP_409_CONFLICT
            )
        return _changed(credential)


class FailureOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    ip = serializers.IPAddressField(allow_null=True)
    region = serializers.CharField(help_text="Empty for the management API and the token endpoint.")
    reason = serializers.CharField()


class UsageOutput(serializers.Serializer):
    client_id = serializers.CharField()
    hours = serializers.ListField(child=serializers.DateTimeField(), help_text="The 168 hours, oldest first, UTC.")
    requests = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text='Requests per hour, one list per region ("" for the management API and the token endpoint).',
    )
    total_requests = serializers.IntegerField()
    total_failures = serializers.IntegerField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    last_used_ip = serializers.IPAddressField(allow_null=True)
    last_used_region = serializers.CharField()
    recent_failures = FailureOutput(many=True)
    flush_interval_seconds = serializers.IntegerField(help_text="How stale the counts may be.")
    permissions_used = serializers.ListField(
        child=serializers.ChoiceField(choices=PERMISSION_CHOICES), help_text="The permissions used in the last 30 days."
    )
    regions_used = serializers.ListField(
        child=serializers.CharField(), help_text="The regions compute requests went to in the last 30 days."
    )


class CredentialUsageView(APIView):
    """The last seven days of one credential; an owner may see any credential of the account."""

    scope_area = "credentials"

    @extend_schema(operation_id="get_credential_usage", summary="A credential's last seven days", responses=UsageOutput)
    def get(self, request: Request, client_id: str) -> Response:
        credential = visible_credential_or_404(caller_membership(request), client_id, bearer=bearer_credential(request))
        usage.flush()
        summary = usage.summarize(credential)
        used = usage.used_grants(credential)
        return Response(
            UsageOutput(
                {
                    "client_id": credential.client_id,
                    "hours": summary.hours,
                    "requests": summary.requests,
                    "total_requests": summary.total_requests,
                    "total_failures": summary.total_failures,
                    "last_used_at": credential.last_used_at,
                    "last_used_ip": credential.last_used_ip,
                    "last_used_region": credential.last_used_region,
                    "recent_failures": summary.recent_failures,
                    "flush_interval_seconds": settings.USAGE_FLUSH_SECONDS,
                    "permissions_used": used.permissions,
                    "regions_used": used.regions,
                }
            ).data
        )


class PoliciesOutput(serializers.Serializer):
    credential_max_lifetime_days = serializers.IntegerField(
        allow_null=True,
        min_value=MIN_POLICY_DAYS,
        max_value=MAX_POLICY_DAYS,
        help_text="null: credentials may never expire.",
    )
    disable_unused_credentials_after_days = serializers.IntegerField(
        allow_null=True,
        min_value=MIN_POLICY_DAYS,
        max_value=MAX_POLICY_DAYS,
        help_text="null: never. Applied by manage.py enforce_credential_policies (run from cron).",
    )


class CredentialPolicies(APIView):
    """The account's credential policies: every member may read them, only the owner may change them."""

    scope_area = "credentials"

    def _data(self, account) -> dict:
        return PoliciesOutput(account).data

    @extend_schema(
        operation_id="get_credential_policies", summary="Read the credential policies", responses=PoliciesOutput
    )
    def get(self, request: Request) -> Response:
        return Response(self._data(caller_membership(request).account))

    @extend_schema(
        operation_id="set_credential_policies",
        summary="Change the credential policies (owner only)",
        request=PoliciesOutput,
        responses=PoliciesOutput,
    )
    def put(self, request: Request) -> Response:
        membership = caller_membership(request)
        if not membership.is_owner:
            raise PermissionDenied("Only the account owner can change credential policies.")
        data = PoliciesOutput(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.set_credential_policies(
            owner=membership,
            max_lifetime_days=data.validated_data["credential_max_lifetime_days"],
            disable_unused_after_days=data.validated_data["disable_unused_credentials_after_days"],
            context=AuditContext.from_request(request),
        )
        return Response(self._data(account))
