"""The same delivery task runs on each task backend a deployment may choose: the database
backend with its worker command (the embedded default) and RQ workers over Redis (scale-out)."""

import os

import pytest
from django.core.management import call_command

from shebao.notifications import tasks
from shebao.notifications.models import OutboundMessage
from shebao.notifications.services import sms_queue

pytestmark = pytest.mark.django_db


# The worker command closes its database connection between tasks, as a long-running worker
# must: the test cannot sit inside one wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_database_backend_keeps_the_task_until_the_worker_runs_it(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "notifications", "batch"],
        }
    }
    from django_tasks_db.models import DBTaskResult

    message = sms_queue(to="13800001234", body="验证码 123456", purpose="verification")

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.PENDING
    assert DBTaskResult.objects.filter(queue_name="notifications").count() == 1

    call_command("db_worker", queue_name="*", batch=True, startup_delay=False, verbosity=0)

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert (tmp_path / "sms" / "outbox.jsonl").exists()


def _redis_available(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_rq_backend_runs_the_same_task_on_a_redis_worker(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if not _redis_available(url):
        if os.environ.get("SHEBAO_REQUIRE_SERVICES"):
            pytest.fail(f"Redis is required here but not reachable at {url}")
        pytest.skip(f"Redis not reachable at {url}")
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    settings.VAR_DIR = tmp_path
    # A queue of our own so parallel test runs don't take each other's jobs.
    queue_name = f"test-notifications-{os.getpid()}"
    settings.RQ_QUEUES = {queue_name: {"URL": url}}
    # The tasks module is imported above, under the project's settings: a task is checked
    # against the backend when it is declared, and this backend knows only the queue of our own.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue_name]}}
    original = tasks.deliver_outbound
    tasks.deliver_outbound = original.using(queue_name=queue_name)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = sms_queue(to="13800001234", body="通知", purpose="notice")
        message.refresh_from_db()
        assert message.status == OutboundMessage.Status.PENDING

        queue = django_rq.get_queue(queue_name)
        assert queue.count == 1
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    finally:
        tasks.deliver_outbound = original
        django_rq.get_queue(queue_name).empty()

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
