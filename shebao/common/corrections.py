"""Word that master records were corrected, for the apps that issued something on them.

An app low in the stack (insurance relations, contribution adjustments) calls
:func:`records_corrected` in the transaction of the correction; an app above it (certificates:
a certificate issued on the old records is revoked and reissued) registers a listener with
:func:`on_records_corrected` in its ``AppConfig.ready()``. Listeners run after the correction
commits (never for one that rolled back), each in its own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

logger = logging.getLogger(__name__)

Listener = Callable[[frozenset[int], frozenset[int]], None]  # (person ids, unit ids)
_listeners: list[Listener] = []


def on_records_corrected(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def records_corrected(*, person_ids: Iterable[int] = (), unit_ids: Iterable[int] = ()) -> None:
    persons, units = frozenset(person_ids), frozenset(unit_ids)
    if not persons and not units:
        return

    def run() -> None:
        for listener in list(_listeners):
            try:
                listener(persons, units)
            except Exception:  # a listener's failure must not undo or hide the correction
                logger.exception("records_corrected listener %r failed", listener)

    transaction.on_commit(run)
