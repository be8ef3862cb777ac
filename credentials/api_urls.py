from django.urls import path

from credentials import api, secret_scanning

urlpatterns = [
    path("credentials/report-leak", api.ReportLeak.as_view(), name="api-report-leak"),
    path("credentials/", api.CredentialListCreate.as_view(), name="api-credentials"),
    path("credentials/<str:client_id>/", api.CredentialDetail.as_view(), name="api-credential"),
    path("credentials/<str:client_id>/disable", api.DisableCredential.as_view(), name="api-credential-disable"),
    path("credentials/<str:client_id>/enable", api.EnableCredential.as_view(), name="api-credential-enable"),
    path("credentials/<str:client_id>/usage", api.CredentialUsageView.as_view(), name="api-credential-usage"),
    path("account/credential-policies", api.CredentialPolicies.as_view(), name="api-credential-policies"),
    path("secret-scanning/github", secret_scanning.GitHubSecretScanning.as_view(), name="api-secret-scanning-github"),
]
