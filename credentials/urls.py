from django.urls import path

from credentials import views

app_name = "credentials"

urlpatterns = [
    path("settings/credentials/", views.credentials_tab, name="list"),
    path("settings/credentials/new/", views.generate, name="generate"),
    path("settings/credentials/policies/", views.policies, name="policies"),
    path("settings/credentials/<str:client_id>/delete/", views.delete, name="delete"),
    path("settings/credentials/<str:client_id>/disable/", views.disable, name="disable"),
    path("settings/credentials/<str:client_id>/enable/", views.enable, name="enable"),
    path("settings/credentials/<str:client_id>/revoke/", views.revoke, name="revoke"),
    path("settings/credentials/<str:client_id>/usage/", views.usage_report, name="usage"),
]
