from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "shebao.catalogue"
    label = "catalogue"
    verbose_name = "事项清单"

    def ready(self) -> None:
        from shebao.catalogue import checks  # noqa: F401  (registers the system checks)
