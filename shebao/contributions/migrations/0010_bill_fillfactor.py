"""Room on each page of the bills' table (PostgreSQL fillfactor 50).

A bill is written once by the assessment and then updated in place a few times (confirmed,
paid, arrears, an adjustment carried in); none of those updates touches an indexed column, so
with free space on the bill's page PostgreSQL keeps the new version there (a heap-only tuple)
and writes none of the table's index entries again: marking the 100,000 bills of a bank result
file paid takes a fifth of the time (benchmarks/README.md). Other databases have no such
setting."""

from django.db import migrations


def fillfactor(percent):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.quote_name(apps.get_model("contributions", "Bill")._meta.db_table)
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(percent)})")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0009_bill_arrears_and_deferral"),
    ]

    operations = [migrations.RunPython(fillfactor(50), fillfactor(100))]
