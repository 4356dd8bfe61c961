from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "shebao.insurance"
    verbose_name = "参保关系"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the matters' effects with the workflow engine.
        from shebao.insurance import changes, handlers, unit_registration  # noqa: F401
