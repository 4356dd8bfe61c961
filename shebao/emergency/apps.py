from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "shebao.emergency"
    verbose_name = "应急措施与手工应急操作"
    default_auto_field = "django.db.models.BigAutoField"
