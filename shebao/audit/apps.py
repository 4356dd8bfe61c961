from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "shebao.audit"
    verbose_name = "社会保险稽核"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the complaint matter's page with the workflow engine.
        from shebao.audit import handlers  # noqa: F401
