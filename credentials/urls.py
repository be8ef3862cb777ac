from django.urls import path

from credentials import views

app_name = "credentials"

urlpatterns = [
    path("settings/credentials/", views.credentials_tab, name="list"),
]
