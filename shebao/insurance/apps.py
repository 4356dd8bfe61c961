from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "shebao.insurance"
    verbose_name = "参保关系"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the matters' effects with the workflow engine.
        from shebao.insurance import (  # noqa: F401
            changes,
            handlers,
            info_changes,
            unit_registration,
        )
