"""The URLconf `make bench` serves (bench/settings.py): production's (config/urls.py) plus the
baseline and one route per peer case, all under /bench/; production's URLconf has none of them."""

from django.conf import settings
from django.urls import include, path

from config.regional_urls import handler400, handler403, handler404, handler500  # noqa: F401 (read from the root URLconf)
from regional.urls import BASE

if settings.CAAS_ROLE == "regional":  # a region on its own (CAAS_ROLE=regional): no peers there
    from bench.baseline import OpenInstanceTypeList

    urlpatterns = [
        path(f"bench/{BASE}instancetypes", OpenInstanceTypeList.as_view(), name="bench-regional-instancetypes"),
        path("", include("config.regional_urls")),
    ]
else:
    from bench import views

    urlpatterns = [
        path(f"bench/{BASE}instancetypes", views.OpenInstanceTypeList.as_view(), name="bench-regional-instancetypes"),
        *(
            path(f"bench/{case.removeprefix('peer_')}/{BASE}instancetypes", view.as_view(), name=f"bench-{case}")
            for case, view in views.PEERS.items()
        ),
        path("", include("config.urls")),
    ]
