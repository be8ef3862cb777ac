from django.core.management.base import BaseCommand, CommandError

from credentials.federation.region_keys import issue_region_key
from regional.models import Region


class Command(BaseCommand):
    help = (
        "Issue a key for a region deployed on its own (CAAS_ROLE=regional): set it as that region's "
        "CAAS_REGION_KEY. It is shown once; the console keeps only its digest. Earlier keys of the region "
        "keep working until you delete them in the admin (Regions), or pass --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("region", help="The region's slug, e.g. us-region-1.")
        parser.add_argument("--replace", action="store_true", help="Delete the region's other keys at once.")

    def handle(self, *args, region: str, replace: bool, **options) -> None:
        found = Region.objects.filter(slug=region).first()
        if found is None:
            known = ", ".join(Region.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"There is no region {region!r}; the regions are: {known}.")
        key, value = issue_region_key(found, replace=replace)
        self.stderr.write(f"Region key …{key.hint} for {found.slug}; it is shown once, here:")
        self.stdout.write(value)
