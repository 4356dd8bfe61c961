from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "shebao.insurance"
    verbose_name = "参保关系"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shebao.insurance import handlers  # noqa: F401  (registers the matters' effects)
