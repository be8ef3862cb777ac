from django.core.management.base import BaseCommand
from django.utils import timezone

from credentials import signing
from credentials.models import SigningKey

WHAT_NEXT = {
    signing.NEXT: "signs from",
    signing.CURRENT: "superseded at",
    signing.RETIRING: "leaves the JWKS at",
    signing.RETIRED: "left the JWKS at",
}


class Command(BaseCommand):
    help = "List the access-token signing keys: next, current, retiring or retired, and when that changes."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        rows = signing.states(list(SigningKey.objects.all()), now)
        if not rows:
            self.stdout.write("No signing key yet: the first token request or JWKS request makes one.")
            return
        self.stdout.write(f"{'kid':<18} {'alg':<8} {'state':<9} {'published':<20} change")
        for row in reversed(rows):
            change = (
                f"{WHAT_NEXT[row.state]} {row.changes_at:%Y-%m-%d %H:%M:%S} UTC"
                if row.changes_at
                else "until a rotation"
            )
            published = f"{row.key.created_at:%Y-%m-%d %H:%M:%S}"
            self.stdout.write(f"{row.key.kid:<18} {row.key.algorithm:<8} {row.state:<9} {published:<20} {change}")
