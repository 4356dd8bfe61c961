"""Concurrency on PostgreSQL: numbering, idempotent create and row locks under real parallel
transactions (threads with their own connections). SQLite serialises writers itself (IMMEDIATE
transactions) and its in-memory test database cannot be shared between threads, so these run on
PostgreSQL only: ``DATABASE_URL=postgres://… pytest shebao/applications``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from shebao.applications import services
from shebao.applications.models import Application, ApplicationEvent
from shebao.applications.tests.conftest import act, submitted
from shebao.common.errors import DomainError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for parallel transactions"
    ),
]

THREADS = 8


def run_parallel(work: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released at once; results (or exceptions) by i."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_parallel_creations_get_distinct_consecutive_numbers(world):
    actor = act(world.a)
    results = run_parallel(
        lambda i: services.application_create(actor=actor, matter=world.matter, data={})[0].number
    )
    assert all(isinstance(number, str) for number in results), results
    sequence = sorted(int(number[-6:]) for number in results)
    assert sequence == list(range(1, THREADS + 1))


def test_a_double_click_with_one_key_creates_one_application(world):
    actor = act(world.a)
    results = run_parallel(
        lambda i: services.application_create(
            actor=actor, matter=world.matter, data={}, client_key="double-click"
        )
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert len({application.pk for application, _ in results}) == 1
    assert sum(1 for _, created in results if created) == 1
    assert Application.objects.count() == 1
    assert ApplicationEvent.objects.count() == 1


def test_two_reviewers_accepting_at_once_accept_once(world):
    application = submitted(world)
    staff = world.staff_actor()
    version = application.version
    results = run_parallel(
        lambda i: services.application_accept(
            actor=staff, application=application, version=version
        ),
        count=4,
    )
    succeeded = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(succeeded) == 1
    assert {e.code for e in refused} == {"APPLICATION_STALE"}
    assert ApplicationEvent.objects.filter(application=application, action="accept").count() == 1
