from django.apps import AppConfig


class CalculatorsConfig(AppConfig):
    name = "shebao.calculators"
    label = "calculators"
    verbose_name = "在线测算"

    def ready(self) -> None:
        # The true-up recomputes stored results of these kinds with the calculators' services.
        from shebao.calculators.trueup import register_all

        register_all()
