"""Background work of contributions (django-tasks; thin wrappers around services)."""

from django.utils import timezone
from django_tasks import task

from shebao.contributions.assessment import assessment_execute
from shebao.contributions.dues import bills_mark_arrears
from shebao.contributions.models import AssessmentRun


@task(queue_name="batch")
def month_assess_task(run_id: int) -> int:
    """Execute an assessment run (queued by ``assessment_start``); returns the lines written.
    Idempotent: a run already done is left as it is; a rerun of the month adds what is missing."""
    run = AssessmentRun.objects.select_related("region").get(pk=run_id)
    if run.status == AssessmentRun.Status.DONE:
        return 0
    return assessment_execute(run).lines_written


@task(queue_name="batch")
def mark_arrears() -> int:
    """Daily: bills unpaid after the day they were payable by become arrears (欠费), set-based;
    returns the bills changed. Idempotent (a second run the same day changes nothing)."""
    return bills_mark_arrears(on=timezone.localdate())
