from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "credentials"

    def ready(self) -> None:
        from credentials import openapi  # noqa: F401  (registers the bearer scheme with drf-spectacular)
        from credentials.federation import revocations  # noqa: F401  (connects the feed to deletions)
