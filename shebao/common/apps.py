from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "shebao.common"
    label = "common"
    verbose_name = "公共"

    def ready(self) -> None:
        from shebao.common import checks  # noqa: F401  (registers the system checks)
