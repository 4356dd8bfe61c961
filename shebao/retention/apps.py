from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "shebao.retention"
    verbose_name = "稳岗返还"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the 普通企业稳岗返还 matter's effect with the workflow engine.
        from shebao.retention import handlers  # noqa: F401
