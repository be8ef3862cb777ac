from django.conf import settings
from django.urls import path

from regional import api

BASE = "regional/<slug:region>/v1/cloudaccounts/<str:cloudaccount_id>/"

services = [
    path(f"{BASE}instancetypes", api.InstanceTypeList.as_view(), name="regional-instancetypes"),
    path(f"{BASE}instances", api.InstanceList.as_view(), name="regional-instances"),
    path(f"{BASE}instances/id/<str:resource_id>", api.InstanceDetail.as_view(), name="regional-instance-by-id"),
    path(f"{BASE}instances/name/<str:name>", api.InstanceDetail.as_view(), name="regional-instance-by-name"),
    path(f"{BASE}sshpublickeys", api.SshKeyList.as_view(), name="regional-sshkeys"),
    path(f"{BASE}sshpublickeys/id/<str:resource_id>", api.SshKeyDetail.as_view(), name="regional-sshkey-by-id"),
    path(f"{BASE}sshpublickeys/name/<str:name>", api.SshKeyDetail.as_view(), name="regional-sshkey-by-name"),
]

# The console lists the regions; it serves their services too unless they run on their own (CAAS_ROLE=console).
urlpatterns = [
    path("api/v1/regions", api.RegionList.as_view(), name="api-regions"),
    *(services if settings.CAAS_ROLE == "all" else []),
]
