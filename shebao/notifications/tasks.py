from django_tasks import task

from shebao.notifications.services import outbound_deliver


@task(queue_name="notifications")
def deliver_outbound(message_id: int) -> str:
    """Send one outbox message through the SMS gateway."""
    return outbound_deliver(message_id=message_id)


@task(queue_name="notifications")
def retry_pending() -> int:
    """Re-enqueue SMS still pending after a gateway outage; returns how many."""
    from shebao.notifications.services import outbound_retry_pending

    return outbound_retry_pending()
