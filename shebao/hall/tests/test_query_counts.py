"""Every page and every API read answers in a bounded number of queries, however many rows it
lists: walked from the hall-wide authorization matrix (so a page added later is walked too),
as every actor allowed to see it, on the demo hall and again with ten times its rows.

A query per listed row (an N+1) makes the second count larger and fails here, naming the page.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shebao.accounts.models import MatterGrant, UnitMembership
from shebao.applications.models import Application
from shebao.hall.tests.access_world import ACTORS, PAGE_ACTORS, World, build_world
from shebao.hall.tests.test_access_matrix import API, PAGES, Check
from shebao.notifications.models import Notification
from shebao.policy.models import PolicyChange
from shebao.testing import make_individual

pytestmark = pytest.mark.django_db

# Queries one request may make: session, user, actor, the page's own reads and the session
# save. The busiest pages today need about 15; this leaves room, not room for a query per row.
BUDGET = 25
GROWTH = 10  # the second measurement has this many times the demo's rows


def _clone(instance: Any, **changes: Any) -> Any:
    twin = copy.copy(instance)
    twin.pk = None
    if hasattr(twin, "id"):
        twin.id = None
    twin._state = copy.copy(instance._state)
    twin._state.adding = True
    for name, value in changes.items():
        setattr(twin, name, value)
    twin.save()
    return twin


def grow(world: World, times: int) -> None:
    """Give every actor ``times`` as many rows of what their pages list: applications (with
    their events and materials), notifications, unit users with grants, policy changes."""
    originals = list(Application.objects.order_by("pk"))
    for application in originals:
        events = list(application.events.all())
        materials = list(application.materials.all())
        deferred = list(application.deferred.all())
        for copy_number in range(1, times):
            twin = _clone(
                application, number=f"SBQ{application.pk:07d}{copy_number:03d}", client_key=""
            )
            for event in events:
                _clone(event, application=twin)
            supplied = {}
            for material in materials:
                supplied[material.pk] = _clone(material, application=twin)
            for item in deferred:
                _clone(
                    item,
                    application=twin,
                    supplied_material=supplied.get(item.supplied_material_id),
                )
    for notification in list(Notification.objects.order_by("pk")):
        for _ in range(1, times):
            _clone(notification)
    for change in list(PolicyChange.objects.order_by("pk")):
        for _ in range(1, times):
            _clone(change)
    admin = world.users["admin"]
    membership = admin.memberships.get(revoked_at__isnull=True)
    granted = list(MatterGrant.objects.filter(membership=world.operator_membership))
    for number in range(times):
        operator = make_individual(name=f"经办人{number}")
        added = UnitMembership.objects.create(
            user=operator,
            unit=membership.unit,
            role=UnitMembership.Role.OPERATOR,
            appointed_by=admin,
        )
        for grant in granted:
            MatterGrant.objects.create(membership=added, matter=grant.matter, granted_by=admin)


def _reads() -> list[tuple[Check, str, bool]]:
    """(check, actor, is an API call) for every read the matrix expects to answer 200."""
    reads = []
    for checks, actors, api_call in ((PAGES, PAGE_ACTORS, False), (API, ACTORS, True)):
        for check in checks:
            if check.method != "get" or check.refusals_only:
                continue
            reads.extend((check, actor, api_call) for actor in actors if check.expect[actor] == 200)
    return reads


class Counter:
    """Sends a read as an actor (one signed-in client each, kept) and counts its queries."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.clients: dict[str, Client] = {}

    def __call__(self, check: Check, actor: str, api_call: bool) -> int:
        who = "anon" if api_call else actor
        if who == "anon":
            client = Client()  # a visitor without a session (some pages start one)
        else:
            if who not in self.clients:
                self.clients[who] = self.world.client(who)
            client = self.clients[who]
        url = check.url(self.world)
        headers = self.world.bearer(actor) if api_call else {}
        client.get(url, **headers)  # warm: the session, per-process memos
        counts = []
        # The fewer of two: a once-a-minute session refresh or a memo that expires between
        # requests adds a few queries now and then; an N+1 adds them every time.
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, **headers)
            assert response.status_code == 200, f"{check.route} as {actor}: {response.status_code}"
            counts.append(len(queries))
        return min(counts)


# The reads are walked as this many tests, each over every SHARDS-th read on a world of its
# own, so that the suite's parallel workers share them.
SHARDS = 3


def test_the_walk_covers_the_matrixs_reads():
    assert len(_reads()) > 100  # the matrix's pages and reads, as every allowed actor


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_page_or_api_read_makes_more_queries_for_more_rows(settings, shard):
    settings.SHEBAO_DEMO = False
    world = build_world()
    reads = _reads()[shard::SHARDS]

    count = Counter(world)
    small = {(c.route, c.url(world), a): count(c, a, api) for c, a, api in reads}
    applications = Application.objects.count()
    grow(world, GROWTH)
    assert Application.objects.count() == GROWTH * applications
    large = {(c.route, c.url(world), a): count(c, a, api) for c, a, api in reads}

    grew = {key: (small[key], large[key]) for key in small if large[key] > small[key]}
    over = {key: large[key] for key in large if large[key] > BUDGET}
    assert grew == {}, "queries grow with the rows listed (an N+1)"
    assert over == {}, f"more than {BUDGET} queries"
    print(f"most queries: {max(large.values())} ({len(large)} reads)")
