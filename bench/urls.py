"""The URLconf `make bench` serves (bench/settings.py): production's (config/urls.py) plus the
baseline and one route per peer case, all under /bench/; production's URLconf has none of them."""

from django.urls import include, path

from bench import views
from config.urls import handler400, handler403, handler404, handler500  # noqa: F401 (read from the root URLconf)
from regional.urls import BASE

urlpatterns = [
    path(f"bench/{BASE}instancetypes", views.OpenInstanceTypeList.as_view(), name="bench-regional-instancetypes"),
    *(
        path(f"bench/{case.removeprefix('peer_')}/{BASE}instancetypes", view.as_view(), name=f"bench-{case}")
        for case, view in views.PEERS.items()
    ),
    path("", include("config.urls")),
]
