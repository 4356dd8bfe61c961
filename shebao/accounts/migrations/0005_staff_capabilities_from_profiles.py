"""Give existing staff the capabilities they used implicitly, so that they keep working.

Before, a staff member's department and districts decided everything: they reviewed their
department's cases in their districts, did counter work there, and — any of them — managed the
CA certificates of those districts' units; the policy editors were the holders of the group
政策参数管理. Now: REVIEW and COUNTER in their districts for everyone; MANAGE_CA only for the
registration department (which runs the CA desk); EDIT_POLICY, nation-wide as before, for the
members of 政策参数管理.
"""

from django.db import migrations

NATION = "000000"
CA_DEPARTMENT = "registration"
EDITORS_GROUP = "政策参数管理"


def forwards(apps, schema_editor):
    StaffProfile = apps.get_model("accounts", "StaffProfile")
    StaffCapability = apps.get_model("accounts", "StaffCapability")
    Region = apps.get_model("registry", "Region")
    rows = []
    for profile in StaffProfile.objects.prefetch_related("districts").select_related("user"):
        districts = [d.code for d in profile.districts.all()]
        for code in districts:
            rows.append(
                StaffCapability(
                    staff=profile,
                    capability="review",
                    department_id=profile.department_id,
                    region_id=code,
                )
            )
            rows.append(StaffCapability(staff=profile, capability="counter", region_id=code))
            if profile.department_id == CA_DEPARTMENT:
                rows.append(StaffCapability(staff=profile, capability="manage_ca", region_id=code))
        user = profile.user
        editor = user.is_superuser or user.groups.filter(name=EDITORS_GROUP).exists()
        if editor and Region.objects.filter(code=NATION).exists():
            rows.append(StaffCapability(staff=profile, capability="edit_policy", region_id=NATION))
    StaffCapability.objects.bulk_create(rows, ignore_conflicts=True)


def backwards(apps, schema_editor):
    apps.get_model("accounts", "StaffCapability").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_staff_capability"),
        ("policy", "0002_policy_managers_group"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
