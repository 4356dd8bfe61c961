from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "shebao.catalogue"
    label = "catalogue"
    verbose_name = "事项清单"
