from django.core.management.base import BaseCommand

from credentials import services, usage
from credentials.federation import revocations


class Command(BaseCommand):
    help = (
        "Disable credentials unused for longer than their account allows, email expiry reminders and drop "
        "usage older than the usage window and revocation-feed entries older than any access token. "
        "Idempotent; safe to run from cron on several hosts at once."
    )

    def handle(self, *args, **options) -> None:
        done = services.enforce_credential_policies()
        pruned = usage.prune()
        feed = revocations.prune()
        self.stdout.write(
            f"Disabled {done['disabled']} unused credential(s), sent {done['reminded']} expiry reminder(s), "
            f"removed {pruned} old usage row(s) and {feed} old revocation-feed entries."
        )
