from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "shebao.common"
    label = "common"
    verbose_name = "公共"
