from django.apps import AppConfig
from django.contrib.auth.signals import user_login_failed
from django.core import checks

from config import logs
from config.checks import production_configuration


class ConfigConfig(AppConfig):
    """The project package as an app, so that its deploy checks and log receivers are registered."""

    name = "config"

    def ready(self) -> None:
        checks.register(production_configuration, checks.Tags.security, deploy=True)
        user_login_failed.connect(logs.log_failed_sign_in, dispatch_uid="caas.signin.failed")
