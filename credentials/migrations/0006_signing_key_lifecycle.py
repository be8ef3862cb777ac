"""Signing keys get an algorithm and an activation time; their states follow from the timestamps.

Existing keys are Ed25519 signing as "EdDSA", each active from when it was made: the one that was
current stays current until a newer key activates, the retired ones retire as before.
"""

from django.db import migrations, models
from django.db.models import F


def from_flags(apps, schema_editor):
    SigningKey = apps.get_model("credentials", "SigningKey")
    SigningKey.objects.update(algorithm="EdDSA", activates_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0005_least_privilege"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="signingkey", name="signing_key_one_current"),
        migrations.AddField(
            model_name="signingkey",
            name="algorithm",
            field=models.CharField(
                default="EdDSA", help_text="JWS alg: EdDSA only for keys made before RFC 9864.", max_length=16
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="signingkey",
            name="activates_at",
            field=models.DateTimeField(
                null=True, help_text="Signs new tokens from then until a newer key activates."
            ),
        ),
        migrations.RunPython(from_flags, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="signingkey",
            name="activates_at",
            field=models.DateTimeField(help_text="Signs new tokens from then until a newer key activates."),
        ),
        migrations.AlterField(
            model_name="signingkey",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, help_text="Published in the JWKS from then on."),
        ),
        migrations.RemoveField(model_name="signingkey", name="is_current"),
        migrations.RemoveField(model_name="signingkey", name="retired_at"),
        migrations.AlterModelOptions(name="signingkey", options={"ordering": ["-activates_at", "-id"]}),
        migrations.AddConstraint(
            model_name="signingkey",
            constraint=models.CheckConstraint(
                condition=models.Q(("algorithm__in", ["RS256", "ES256", "Ed25519", "EdDSA"])),
                name="signing_key_known_algorithm",
            ),
        ),
    ]
