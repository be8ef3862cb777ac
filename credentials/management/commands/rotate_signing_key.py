from django.core.management.base import BaseCommand

from credentials import signing


class Command(BaseCommand):
    help = (
        "Publish a new access-token signing key (of OAUTH_SIGNING_ALG). It starts signing once every "
        "verifier that honours the JWKS max-age has fetched it; tokens signed by the previous key stay "
        "valid until they expire."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--immediately",
            action="store_true",
            help="Sign with the new key at once (a key that must stop signing now): verifiers that "
            "have not fetched the JWKS since refuse new tokens until they do.",
        )

    def handle(self, *args, immediately: bool, **options) -> None:
        key = signing.rotate(immediately=immediately)
        if immediately:
            self.stdout.write(self.style.SUCCESS(f"New {key.algorithm} signing key {key.kid} signs from now on."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"New {key.algorithm} signing key {key.kid} is published and signs from "
                f"{key.activates_at:%Y-%m-%d %H:%M:%S} UTC (manage.py signing_keys shows every key)."
            )
        )
