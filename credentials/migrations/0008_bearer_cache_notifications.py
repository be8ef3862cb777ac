"""PostgreSQL triggers that tell every console connection when a row the bearer lookup reads has
changed (credentials/bearer_cache.py). On other databases there is no cache and nothing to do."""

from django.db import migrations

CHANNEL = "caas_auth"  # credentials/bearer_cache.py's CHANNEL; a migration keeps its own copy

FUNCTION = f"""
CREATE FUNCTION caas_notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- An update that changed only the columns named in the trigger's arguments changes no answer.
    IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - TG_ARGV) = (to_jsonb(NEW) - TG_ARGV) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$
"""

# The lookup's tables, and per table the columns whose changes do not matter to it.
WATCHED = [
    ("credentials", "Credential", ["last_used_at", "last_used_ip", "last_used_region"]),
    ("accounts", "Membership", []),
    ("accounts", "User", ["last_login"]),
    ("accounts", "Account", []),
    ("credentials", "RevokedToken", []),
]


def _table(apps, app_label: str, model: str) -> str:
    return apps.get_model(app_label, model)._meta.db_table


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    qn = schema_editor.quote_name
    schema_editor.execute(FUNCTION)
    for app_label, model, ignored in WATCHED:
        table = qn(_table(apps, app_label, model))
        arguments = ", ".join(f"'{column}'" for column in ignored)
        schema_editor.execute(
            f"CREATE TRIGGER caas_auth_update AFTER UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION caas_notify_auth_change({arguments})"
        )
        schema_editor.execute(
            f"CREATE TRIGGER caas_auth_change AFTER INSERT OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION caas_notify_auth_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    qn = schema_editor.quote_name
    for app_label, model, _ in WATCHED:
        table = qn(_table(apps, app_label, model))
        schema_editor.execute(f"DROP TRIGGER caas_auth_update ON {table}")
        schema_editor.execute(f"DROP TRIGGER caas_auth_change ON {table}")
    schema_editor.execute("DROP FUNCTION caas_notify_auth_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0007_region_keys_and_revocation_feed"),
        ("accounts", "0003_credential_policy_ranges"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
