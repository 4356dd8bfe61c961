from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "shebao.disputes"
    verbose_name = "劳动人事争议调解与仲裁"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the dispute matters' pages with the workflow engine.
        from shebao.disputes import handlers  # noqa: F401
