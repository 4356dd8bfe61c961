from django.apps import AppConfig


class PkiConfig(AppConfig):
    name = "shebao.pki"
    label = "pki"
    verbose_name = "CA证书"
