import io

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from shebao.common.management.commands.periodic import enqueue_all

pytestmark = pytest.mark.django_db


def test_periodic_enqueues_every_housekeeping_task(settings, capsys):
    call_command("periodic")
    out = capsys.readouterr().out
    for path in settings.SHEBAO_PERIODIC_TASKS:
        assert f"enqueued {path}" in out


def test_every_housekeeping_task_runs_successfully_on_an_empty_hall():
    results = enqueue_all(io.StringIO())  # the test settings run tasks immediately
    assert [r.status for r in results] == [TaskResultStatus.SUCCESSFUL] * len(results)
