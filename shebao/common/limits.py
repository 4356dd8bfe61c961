"""Abuse limits: one layer for every page and API operation that anyone may call.

A *policy* is a named allowance: at most ``limit`` events in ``window`` seconds for one key
(usually the client's address). The numbers live in ``settings.SHEBAO_LIMITS`` (each one
overridable by an environment variable, see the README); the messages live here. Counters are
kept in Django's cache: the database cache on the embedded default, Redis in production, so
every web process of a deployment sees the same counts.

Counting is a sliding-window estimate over two fixed windows (the previous window's count
weighted by how much of it still overlaps the last ``window`` seconds, plus the current one's):
a burst straddling two windows cannot double the allowance, and nothing is stored per event.

A refused request raises :class:`~shebao.common.errors.RateLimited` (HTTP 429, code
``RATE_LIMITED``, a Chinese message, ``retry_after`` seconds and the ``Retry-After`` header),
handled once for pages (the hall's error page) and once for the API (JSON).

Which requests go through which policy is listed, for every anonymous route, in
``shebao/hall/tests/test_limits_coverage.py``: a new route that is neither limited nor exempt
with a reason fails the suite.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from shebao.common.errors import RateLimited

# Cache alias the counters live in (settings.CACHES).
CACHE_ALIAS = "default"


@dataclass(frozen=True)
class Policy:
    """An allowance of ``limit`` events per ``window`` seconds, and what a refusal says."""

    name: str
    limit: int
    window: int
    message: str  # Chinese; ``{wait}`` is replaced by how long to wait, e.g. "5 分钟"

    def refusal(self, retry_after: int) -> RateLimited:
        return RateLimited(
            self.message.format(wait=wait_label(retry_after)), retry_after=retry_after
        )


# What each policy guards, and what the user is told when it refuses.
MESSAGES = {
    # Failed sign-ins from one client address, whatever the account and whichever way in
    # (sign-in page of every tab, API token, /admin/, U-KEY page and API).
    "signin_failures": "登录失败次数过多，为保护账号安全，请 {wait}后再试。",
    # Submissions of forms that redeem an SMS code (registration, unit registration, password
    # reset) from one client address.
    "code_checks": "提交过于频繁，请 {wait}后再试。",
    # U-KEY sign-in challenges issued to one client address (each is a stored row).
    "ca_challenges": "获取挑战码过于频繁，请 {wait}后再试。",
}


def wait_label(seconds: int) -> str:
    """A wait in words: "40 秒", "3 分钟", "2 小时"."""
    if seconds < 60:
        return f"{seconds} 秒"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} 分钟"
    return f"{math.ceil(seconds / 3600)} 小时"


def policy(name: str) -> Policy:
    """The named policy with its numbers from ``settings.SHEBAO_LIMITS``."""
    limit, window = settings.SHEBAO_LIMITS[name]
    return Policy(name=name, limit=int(limit), window=int(window), message=MESSAGES[name])


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, for limits and audit rows.

    ``REMOTE_ADDR`` unless the deployment says it sits behind proxies
    (``SHEBAO_PROXY_HOPS``, one when ``SHEBAO_BEHIND_TLS_PROXY`` is set): then the address the
    nearest trusted proxy appended to ``X-Forwarded-For``. Entries further left are written by
    the client and never trusted.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.SHEBAO_PROXY_HOPS
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _keys(rule: Policy, key: str, now: float) -> tuple[str, str, float]:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no identifiers in the cache
    index = int(now // rule.window)
    elapsed = now - index * rule.window
    prefix = f"limit:{rule.name}:{digest}:"
    return prefix + str(index), prefix + str(index - 1), elapsed


def _retry_after(rule: Policy, *, previous: int, current: int, elapsed: float) -> int:
    """Seconds until the estimate drops below the limit again."""
    w, limit = rule.window, rule.limit
    if current < limit and previous > 0:
        # Only the previous window's weight is in the way.
        wait = w * (1 - (limit - current) / previous) - elapsed
    else:
        # Wait for this window to end, then for its weight to fade enough.
        wait = (w - elapsed) + w * (1 - limit / max(current, 1))
    # The estimate must fall *below* the limit: the first whole second after ``wait``.
    return max(1, math.floor(wait + 1e-9) + 1)


def _state(rule: Policy, key: str) -> tuple[str, int, int, float]:
    current_key, previous_key, elapsed = _keys(rule, key, time.time())
    found = caches[CACHE_ALIAS].get_many([current_key, previous_key])
    current = int(found.get(current_key, 0))
    previous = int(found.get(previous_key, 0))
    return current_key, current, previous, elapsed


def limit_check(name: str, key: str | None) -> None:
    """Refuse with :class:`RateLimited` when ``key`` has used up policy ``name``; counts
    nothing. A ``None`` key (no client: a command, a task) is never limited."""
    if key is None:
        return
    rule = policy(name)
    _, current, previous, elapsed = _state(rule, key)
    estimate = previous * (1 - elapsed / rule.window) + current
    if estimate >= rule.limit:
        raise rule.refusal(_retry_after(rule, previous=previous, current=current, elapsed=elapsed))


def limit_count(name: str, key: str | None) -> None:
    """Count one event of policy ``name`` for ``key`` (e.g. a failed sign-in)."""
    if key is None:
        return
    rule = policy(name)
    current_key, _, _ = _keys(rule, key, time.time())
    cache = caches[CACHE_ALIAS]
    # Kept for two windows: the next window still weighs this one.
    cache.add(current_key, 0, timeout=2 * rule.window)
    try:
        cache.incr(current_key)
    except ValueError:  # expired between add and incr
        cache.set(current_key, 1, timeout=2 * rule.window)


def limit_take(name: str, key: str | None) -> None:
    """Check, then count: for policies where every attempt counts, not only failures."""
    limit_check(name, key)
    limit_count(name, key)


def limit_clear(name: str, key: str) -> None:
    """Forget ``key``'s count for policy ``name`` (an administrator's action, and tests)."""
    rule = policy(name)
    current_key, previous_key, _ = _keys(rule, key, time.time())
    caches[CACHE_ALIAS].delete_many([current_key, previous_key])
