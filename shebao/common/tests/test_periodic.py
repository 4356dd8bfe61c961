import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_periodic_enqueues_every_housekeeping_task_and_each_runs(settings, capsys):
    # The immediate backend runs each task as it is enqueued: a failing task fails this test.
    call_command("periodic")
    out = capsys.readouterr().out
    for path in settings.SHEBAO_PERIODIC_TASKS:
        assert f"enqueued {path}" in out
