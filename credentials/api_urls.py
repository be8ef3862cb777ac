from django.urls import path

from credentials import api

urlpatterns = [
    path("credentials/report-leak", api.ReportLeak.as_view(), name="api-report-leak"),
    path("credentials/", api.CredentialListCreate.as_view(), name="api-credentials"),
    path("credentials/<str:client_id>/", api.CredentialDetail.as_view(), name="api-credential"),
]
