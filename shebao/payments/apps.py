from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "shebao.payments"
    verbose_name = "缴费与退费"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the payment and refund matters' effects with the workflow engine.
        from shebao.payments import handlers, refunds  # noqa: F401
