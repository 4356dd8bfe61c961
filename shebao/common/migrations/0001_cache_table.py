"""The database cache's table (settings.CACHES on the embedded default), so that every
``migrate`` (``make run``, the production steps, the test databases) has it. Created whatever
the configured backend, so a deployment can switch to the database cache at any time."""

from django.core.management import call_command
from django.db import migrations

TABLE = "shebao_cache"  # settings.CACHES["default"]["LOCATION"] for the database cache


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies: list = []

    operations = [migrations.RunPython(create, drop)]
