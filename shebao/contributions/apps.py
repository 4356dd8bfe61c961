from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "shebao.contributions"
    verbose_name = "缴费核定"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the matters' effects with the workflow engine.
        from shebao.contributions import (  # noqa: F401
            backpay,
            base_difference,
            bases,
            cancellations,
            deferrals,
            gap_backpay,
            handlers,
            raises,
        )
