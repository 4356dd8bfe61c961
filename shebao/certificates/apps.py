from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "shebao.certificates"
    verbose_name = "证明与凭证"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The catalogue's print matters produce their file at once (see handlers).
        from shebao.certificates import handlers  # noqa: F401
