from django.core.management.base import BaseCommand

from credentials import signing


class Command(BaseCommand):
    help = (
        "Make a new current access-token signing key; tokens signed by the previous key stay valid until they expire."
    )

    def handle(self, *args, **options) -> None:
        key = signing.rotate()
        self.stdout.write(self.style.SUCCESS(f"New signing key {key.kid} is now current."))
