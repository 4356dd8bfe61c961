from django_tasks import task

from shebao.cards.services import cards_exchange


@task(queue_name="batch")
def exchange() -> dict[str, int]:
    """One round of the card exchange: parcels followed, cards posted, batches sent to the
    bureau and its results imported (idempotent; `manage.py periodic` enqueues it)."""
    report = cards_exchange()
    return {
        "tracked": report.tracked,
        "delivered": report.delivered,
        "dispatched": report.dispatched,
        "sent": report.sent,
        "imported": report.imported,
    }
