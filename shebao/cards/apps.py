from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "shebao.cards"
    verbose_name = "社会保障卡"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the card matters' effects with the workflow engine, and the 领卡证明's
        # content (built from the card being made) with the certificates app.
        from shebao.cards import handlers, proof  # noqa: F401
