from django.db import migrations

REGIONS = [
    ("us-region-1", "US Region 1"),
    ("us-region-2", "US Region 2"),
    ("us-region-3", "US Region 3"),
]
CATALOGUE = [
    ("vm.small", 2, 4, 50),
    ("vm.medium", 4, 16, 100),
    ("vm.large", 8, 32, 200),
    ("vm.xlarge", 16, 64, 400),
]


def seed(apps, schema_editor):
    Region = apps.get_model("regional", "Region")
    InstanceType = apps.get_model("regional", "InstanceType")
    for index, (slug, name) in enumerate(REGIONS):
        region, _ = Region.objects.get_or_create(slug=slug, defaults={"name": name})
        # Each region offers a slightly different catalogue, as real regions do.
        for type_name, vcpus, memory, disk in CATALOGUE[: len(CATALOGUE) - index % 2]:
            InstanceType.objects.get_or_create(
                region=region, name=type_name, defaults={"vcpus": vcpus, "memory_gib": memory, "disk_gib": disk}
            )


class Migration(migrations.Migration):
    dependencies = [("regional", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
