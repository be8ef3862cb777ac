"""What a region deployed on its own serves (CAAS_ROLE=regional): its services and the probes."""

from django.urls import path

from config import health
from regional.urls import services

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    *services,
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
