"""The staff group whose members may edit policy parameters (政策参数管理)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "政策参数管理"
CODENAMES = ["view_policyparameter", "add_policyparameter", "change_policyparameter"]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure ours exist now.
    app_config = apps.get_app_config("policy")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="policy", codename__in=CODENAMES)
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("policy", "0001_policy_parameters_audit_and_results"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
