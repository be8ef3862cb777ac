from django.apps import AppConfig


class RegionalConfig(AppConfig):
    name = "regional"
    verbose_name = "Regional services"

    def ready(self) -> None:
        from credentials import regions
        from regional.models import Region

        regions.provide(lambda: Region.objects.filter(enabled=True).order_by("slug").values_list("slug", "name"))
