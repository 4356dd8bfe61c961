from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "shebao.appointments"
    verbose_name = "预约办理"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the booking matter's page with the workflow engine.
        from shebao.appointments import handlers  # noqa: F401
