"""The stand-in regional services: bearer authentication only, one account and one region per path."""

from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import AuditContext
from credentials.authentication import BearerAuthentication
from regional import services
from regional.access import enabled_region_or_404, resource_or_404
from regional.edge.authentication import RegionalBearerAuthentication
from regional.models import Instance, InstanceStatus, Region, SshPublicKey


class InstanceTypeOutput(serializers.Serializer):
    name = serializers.CharField()
    vcpus = serializers.IntegerField()
    memory_gib = serializers.IntegerField()
    disk_gib = serializers.IntegerField()


class SshKeyInput(serializers.Serializer):
    name = serializers.CharField(max_length=63, help_text=services.NAME_RULES)
    ssh_public_key = serializers.CharField(max_length=16_384, help_text="One OpenSSH public key line.")


class SshKeyOutput(serializers.Serializer):
    resource_id = serializers.UUIDField()
    name = serializers.CharField()
    ssh_public_key = serializers.CharField(source="public_key")
    key_type = serializers.CharField()
    fingerprint = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.EmailField(source="created_by_email")


class InstanceInput(serializers.Serializer):
    name = serializers.CharField(max_length=63, help_text=services.NAME_RULES)
    instance_type = serializers.CharField(max_length=40)
    machine_image = serializers.CharField(max_length=60, help_text=f"One of {', '.join(services.MACHINE_IMAGES)}.")
    ssh_public_key_names = serializers.ListField(
        child=serializers.CharField(max_length=63), default=list, max_length=10
    )


class InstanceOutput(serializers.Serializer):
    resource_id = serializers.UUIDField()
    name = serializers.CharField()
    region = serializers.CharField(source="region.slug")
    instance_type = serializers.CharField(source="instance_type.name")
    machine_image = serializers.CharField()
    status = serializers.ChoiceField(choices=InstanceStatus.choices)
    ssh_public_key_names = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    created_by = serializers.EmailField(source="created_by_email")

    def get_ssh_public_key_names(self, instance: Instance) -> list[str]:
        return sorted(key.name for key in instance.ssh_public_keys.all())


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": Pagination.max_limit},
        description=f"How many per page: {Pagination.default_limit} by default, at most {Pagination.max_limit} "
        "(a larger limit is capped).",
    ),
    OpenApiParameter(
        "offset", {"type": "integer", "minimum": 0}, description="How many to skip; oldest first. Default 0."
    ),
]


def paginated(output: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The envelope Pagination answers with, for the schema."""
    fields = {
        "count": serializers.IntegerField(help_text="How many there are in all."),
        "next": serializers.URLField(allow_null=True, help_text="The next page; null on the last."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page; null on the first."),
        "results": output(many=True),
    }
    return type(f"Paginated{output.__name__}", (serializers.Serializer,), fields)


class RegionalView(APIView):
    """Bearer only. Resolves the region (404 when unknown or disabled) and refuses (403) a token
    of another account than the one in the path, whatever the member may reach elsewhere."""

    authentication_classes = [
        RegionalBearerAuthentication if settings.CAAS_ROLE == "regional" else BearerAuthentication
    ]
    scope_area = "compute"

    def initial(self, request: Request, *args, **kwargs) -> None:
        if settings.CAAS_ROLE == "regional" and kwargs["region"] != settings.CAAS_REGION:
            raise Http404(f"This server serves {settings.CAAS_REGION} only.")
        super().initial(request, *args, **kwargs)
        if request.auth is None:  # unreachable: HasScope refused a request without one
            raise NotAuthenticated()
        self.principal = cast(services.Principal, request.auth)
        self.region = enabled_region_or_404(kwargs["region"])
        if kwargs["cloudaccount_id"] != self.principal.cloud_account_id:
            raise PermissionDenied("This credential belongs to another cloud account.")
        self.account = self.principal.cloud_account_id


def _created(data) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)


def _conflict(error: services.Conflict) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)


class InstanceTypeList(RegionalView):
    @extend_schema(
        operation_id="list_instance_types",
        summary="List the region's instance types",
        responses=InstanceTypeOutput(many=True),
    )
    def get(self, request: Request, region: str, cloudaccount_id: str) -> Response:
        return Response(InstanceTypeOutput(self.region.instance_types.all(), many=True).data)


class SshKeyList(RegionalView):
    @extend_schema(
        operation_id="list_ssh_public_keys",
        summary="List SSH public keys",
        parameters=PAGE_PARAMETERS,
        responses=paginated(SshKeyOutput),
    )
    def get(self, request: Request, region: str, cloudaccount_id: str) -> Response:
        keys = SshPublicKey.objects.in_scope(self.account, self.region).select_related("region")
        paginator = Pagination()
        page = paginator.paginate_queryset(keys, request, view=self)
        return paginator.get_paginated_response(SshKeyOutput(page, many=True).data)

    @extend_schema(
        operation_id="create_ssh_public_key",
        summary="Add an SSH public key",
        request=SshKeyInput,
        responses={201: SshKeyOutput},
    )
    def post(self, request: Request, region: str, cloudaccount_id: str) -> Response:
        data = SshKeyInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            key = services.create_ssh_key(
                principal=self.principal,
                region=self.region,
                name=data.validated_data["name"],
                public_key=data.validated_data["ssh_public_key"],
                context=AuditContext.from_request(request),
            )
        except DjangoValidationError as error:
            raise APIValidationError(error.message_dict) from None
        except services.Conflict as error:
            return _conflict(error)
        return _created(SshKeyOutput(key).data)


class SshKeyDetail(RegionalView):
    def _key(self, kwargs) -> SshPublicKey:
        return resource_or_404(
            SshPublicKey, self.account, self.region, resource_id=kwargs.get("resource_id"), name=kwargs.get("name")
        )

    @extend_schema(operation_id="get_ssh_public_key", summary="Get an SSH public key", responses=SshKeyOutput)
    def get(self, request: Request, **kwargs) -> Response:
        return Response(SshKeyOutput(self._key(kwargs)).data)

    @extend_schema(operation_id="delete_ssh_public_key", summary="Delete an SSH public key", responses={204: None})
    def delete(self, request: Request, **kwargs) -> Response:
        try:
            services.delete_ssh_key(
                principal=self.principal, key=self._key(kwargs), context=AuditContext.from_request(request)
            )
        except services.Conflict as error:
            return _conflict(error)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InstanceList(RegionalView):
    @extend_schema(
        operation_id="list_instances",
        summary="List instances",
        parameters=[OpenApiParameter("status", enum=InstanceStatus.values, required=False), *PAGE_PARAMETERS],
        responses=paginated(InstanceOutput),
    )
    def get(self, request: Request, region: str, cloudaccount_id: str) -> Response:
        instances = Instance.objects.in_scope(self.account, self.region).select_related("region", "instance_type")
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in InstanceStatus.values:
                raise APIValidationError({"status": f"Use one of {', '.join(InstanceStatus.values)}."})
            instances = instances.filter(status=wanted)
        paginator = Pagination()
        page = paginator.paginate_queryset(instances.prefetch_related("ssh_public_keys"), request, view=self)
        return paginator.get_paginated_response(InstanceOutput(page, many=True).data)

    @extend_schema(
        operation_id="create_instance",
        summary="Create an instance",
        request=InstanceInput,
        responses={201: InstanceOutput},
    )
    def post(self, request: Request, region: str, cloudaccount_id: str) -> Response:
        data = InstanceInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            instance = services.create_instance(
                principal=self.principal,
                region=self.region,
                context=AuditContext.from_request(request),
                **data.validated_data,
            )
        except DjangoValidationError as error:
            raise APIValidationError(error.message_dict) from None
        except services.Conflict as error:
            return _conflict(error)
        return _created(InstanceOutput(instance).data)


class InstanceDetail(RegionalView):
    def _instance(self, kwargs) -> Instance:
        return resource_or_404(
            Instance, self.account, self.region, resource_id=kwargs.get("resource_id"), name=kwargs.get("name")
        )

    @extend_schema(operation_id="get_instance", summary="Get an instance", responses=InstanceOutput)
    def get(self, request: Request, **kwargs) -> Response:
        return Response(InstanceOutput(self._instance(kwargs)).data)

    @extend_schema(operation_id="delete_instance", summary="Delete an instance", responses={204: None})
    def delete(self, request: Request, **kwargs) -> Response:
        services.delete_instance(
            principal=self.principal, instance=self._instance(kwargs), context=AuditContext.from_request(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegionOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class RegionList(APIView):
    """The enabled regions, for clients that walk every region."""

    scope_area = "compute"

    @extend_schema(operation_id="list_regions", summary="List the regions", responses=RegionOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(RegionOutput(Region.objects.filter(enabled=True), many=True).data)
