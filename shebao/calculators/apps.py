from django.apps import AppConfig


class CalculatorsConfig(AppConfig):
    name = "shebao.calculators"
    label = "calculators"
    verbose_name = "在线测算"
