"""Background work of certificate sign-in (thin wrappers around services)."""

from django_tasks import task

from shebao.pki.services import certificates_sweep


@task(queue_name="batch")
def sweep() -> dict[str, int]:
    """Daily: revoke certificates whose holder's unit role has ended; purge old challenges."""
    return certificates_sweep()
