from django_tasks import task

from shebao.appointments.services import appointments_remind, slots_open_ahead


@task()
def open_slots() -> int:
    """Daily: open every office's slots over the booking horizon. Idempotent."""
    return slots_open_ahead()


@task(queue_name="notifications")
def send_reminders() -> int:
    """Daily: the SMS reminder to everyone booked for tomorrow (each once)."""
    return appointments_remind()
