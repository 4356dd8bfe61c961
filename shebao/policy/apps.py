from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "shebao.policy"
    label = "policy"
    verbose_name = "政策参数"

    def ready(self) -> None:
        # Each web request is one policy scope: parameter lookups are read once per request and
        # never outlive it (a staff edit is seen by the next request of every process).
        from django.core.signals import request_finished, request_started

        request_started.connect(_begin, dispatch_uid="policy_scope_begin")
        request_finished.connect(_end, dispatch_uid="policy_scope_end")


def _begin(**kwargs: object) -> None:
    from shebao.policy.selectors import policy_scope_begin

    policy_scope_begin()


def _end(**kwargs: object) -> None:
    from shebao.policy.selectors import policy_scope_end

    policy_scope_end()
