"""The baseline `make bench` measures everything against, at the console and at a region on its own."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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
