from django.urls import path

from credentials.federation import views

urlpatterns = [
    path("internal/v1/jwks", views.jwks, name="internal-jwks"),
    path("internal/v1/revocations", views.revocation_feed, name="internal-revocations"),
    path("internal/v1/secrets", views.secret, name="internal-secrets"),
    path("internal/v1/reports", views.report, name="internal-reports"),
]
