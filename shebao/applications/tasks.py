"""Background work of the workflow engine (django-tasks; thin wrappers around services)."""

from django_tasks import task

from shebao.applications.services import applications_lapse_overdue_deferred


@task(queue_name="batch")
def lapse_overdue_deferred() -> int:
    """Daily: 容缺 cases whose deferred materials are past due lapse. Idempotent."""
    return applications_lapse_overdue_deferred()
