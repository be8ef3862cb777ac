"""What `make bench` measures: our regional instance-type list without authentication (the
baseline), and the same view behind each peer package's authentication, configured as its
documentation shows. A case's time per request minus the baseline's is what its authentication
costs. Routed by bench/urls.py only."""

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework_api_key.permissions import HasAPIKey

from bench.baseline import OpenInstanceTypeList


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
