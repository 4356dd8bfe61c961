from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "shebao.hall"
    label = "hall"
    verbose_name = "服务大厅"

    def ready(self) -> None:
        # Register the query matters' pages with the workflow engine.
        from shebao.hall import handlers  # noqa: F401
