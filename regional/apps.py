from django.apps import AppConfig


class RegionalConfig(AppConfig):
    name = "regional"
    verbose_name = "Regional services"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from accounts.models import Account
        from credentials import regions
        from regional.models import Instance, Region, SshPublicKey, Tenant

        regions.provide(lambda: Region.objects.filter(enabled=True).order_by("slug").values_list("slug", "name"))

        def delete_resources(sender, instance: Account, using: str, **kwargs) -> None:
            """Resources name their account by ID, not by a foreign key; in one process they go with it."""
            for model in (Instance, SshPublicKey, Tenant):
                model.objects.using(using).filter(cloud_account_id=instance.cloud_account_id).delete()

        post_delete.connect(delete_resources, sender=Account, dispatch_uid="regional.delete_resources")
