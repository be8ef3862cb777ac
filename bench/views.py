"""What `make bench` measures: our regional instance-type list without authentication (the
baseline), and the same view behind each peer package's authentication, configured as its
documentation shows. A case's time per request minus the baseline's is what its authentication
costs. Routed by bench/urls.py only."""

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_api_key.permissions import HasAPIKey

from regional.access import enabled_region_or_404
from regional.api import InstanceTypeOutput


class OpenInstanceTypeList(APIView):
    """The baseline: InstanceTypeList's region lookup and catalogue query with no authentication
    and no account check."""

    authentication_classes: list = []
    permission_classes: list = []
    schema = None

    def get(self, request: Request, region: str, cloudaccount_id: str) -> Response:
        found = enabled_region_or_404(region)
        return Response(InstanceTypeOutput(found.instance_types.all(), many=True).data)


class DotInstanceTypeList(OpenInstanceTypeList):
    """django-oauth-toolkit: `Authorization: Bearer <access token>`."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [IsAuthenticated]


class KnoxInstanceTypeList(OpenInstanceTypeList):
    """django-rest-knox: `Authorization: Token <token>`."""

    authentication_classes = [KnoxTokenAuthentication]
    permission_classes = [IsAuthenticated]


class DrfTokenInstanceTypeList(OpenInstanceTypeList):
    """DRF's rest_framework.authtoken: `Authorization: Token <key>`."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]


class ApiKeyInstanceTypeList(OpenInstanceTypeList):
    """djangorestframework-api-key, a permission rather than an authentication: `Authorization: Api-Key <key>`."""

    permission_classes = [HasAPIKey]


# bench/run.py's peer cases, by the name its table and latest.json give them.
PEERS = {
    "peer_dot": DotInstanceTypeList,
    "peer_knox": KnoxInstanceTypeList,
    "peer_drf_token": DrfTokenInstanceTypeList,
    "peer_api_key": ApiKeyInstanceTypeList,
}
