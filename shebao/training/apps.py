from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "shebao.training"
    verbose_name = "职业培训与技能等级认定"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the training matters' pages and the subsidies' checks with the engine.
        from shebao.training import handlers  # noqa: F401
