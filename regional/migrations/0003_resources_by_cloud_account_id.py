"""Regional resources name their account by its cloud account ID instead of a foreign key to the
console's table, so that a region can keep them in a database of its own (CAAS_ROLE=regional)."""

from django.db import migrations, models


def copy_account_ids(apps, schema_editor):
    Tenant = apps.get_model("regional", "Tenant")
    for model_name in ("Instance", "SshPublicKey"):
        model = apps.get_model("regional", model_name)
        for resource in model.objects.select_related("account"):
            resource.cloud_account_id = resource.account.cloud_account_id
            resource.save(update_fields=["cloud_account_id"])
            Tenant.objects.get_or_create(cloud_account_id=resource.cloud_account_id)


class Migration(migrations.Migration):
    dependencies = [("regional", "0002_seed_regions")]

    operations = [
        migrations.CreateModel(
            name="Tenant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("cloud_account_id", models.CharField(max_length=12, unique=True, verbose_name="cloud account ID")),
            ],
        ),
        *[
            operation
            for model_name in ("instance", "sshpublickey")
            for operation in (
                migrations.AddField(
                    model_name=model_name,
                    name="cloud_account_id",
                    field=models.CharField(db_index=True, default="", max_length=12, verbose_name="cloud account ID"),
                    preserve_default=False,
                ),
                migrations.AddField(
                    model_name=model_name,
                    name="created_by_client_id",
                    field=models.CharField(blank=True, max_length=40, verbose_name="created with client ID"),
                ),
            )
        ],
        migrations.RunPython(copy_account_ids, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="sshpublickey", name="ssh_key_name_unique_per_account_region"),
        migrations.RemoveConstraint(model_name="instance", name="instance_name_unique_per_account_region"),
        *[
            migrations.RemoveField(model_name=model_name, name=field)
            for model_name in ("instance", "sshpublickey")
            for field in ("account", "created_by")
        ],
        migrations.AddConstraint(
            model_name="sshpublickey",
            constraint=models.UniqueConstraint(
                fields=("cloud_account_id", "region", "name"), name="ssh_key_name_unique_per_account_region"
            ),
        ),
        migrations.AddConstraint(
            model_name="instance",
            constraint=models.UniqueConstraint(
                fields=("cloud_account_id", "region", "name"), name="instance_name_unique_per_account_region"
            ),
        ),
    ]
