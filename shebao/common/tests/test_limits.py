"""The limiter itself: counting, the sliding window, the refusal, the client address, and the
database cache the embedded default keeps its counters in."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory
from freezegun import freeze_time

from shebao.common import limits
from shebao.common.errors import RateLimited
from shebao.settings import cache_settings, env_rate


@pytest.fixture
def tight(settings):
    settings.SHEBAO_LIMITS = {**settings.SHEBAO_LIMITS, "signin_failures": (3, 600)}


def test_the_allowance_is_counted_per_key_and_then_refused(tight):
    with freeze_time("2026-03-02 09:00:00"):
        for _ in range(3):
            limits.limit_take("signin_failures", "10.0.0.1")
        with pytest.raises(RateLimited) as refused:
            limits.limit_take("signin_failures", "10.0.0.1")
        limits.limit_take("signin_failures", "10.0.0.2")  # another key has its own

    error = refused.value
    assert (error.status, error.code) == (429, "RATE_LIMITED")
    assert error.message == "登录失败次数过多，为保护账号安全，请 11 分钟后再试。"
    assert error.as_dict() == {
        "code": "RATE_LIMITED",
        "message": error.message,
        "retry_after": error.retry_after,
    }
    assert error.headers == {"Retry-After": str(error.retry_after)}
    # 09:00:00 is the start of a window: all of it must pass, and a second more for its
    # weight to drop below the limit.
    assert error.retry_after == 601


def test_checking_counts_nothing(tight):
    for _ in range(10):
        limits.limit_check("signin_failures", "10.0.0.1")
    limits.limit_take("signin_failures", "10.0.0.1")


def test_the_window_slides_a_burst_at_a_boundary_does_not_double_the_allowance(tight):
    with freeze_time("2026-03-02 09:09:50"):  # ten seconds before a window ends
        for _ in range(3):
            limits.limit_take("signin_failures", "k")
    with freeze_time("2026-03-02 09:10:05"):
        # The previous window still weighs 3 × (1 − 5/600) = 2.975: one more gets through,
        # not a fresh allowance of three.
        limits.limit_take("signin_failures", "k")
        with pytest.raises(RateLimited) as refused:
            limits.limit_take("signin_failures", "k")
    # Below the limit again once 3 × (1 − t/600) + 1 < 3: t > 200 s, 196 s from now.
    assert refused.value.retry_after == 196
    with freeze_time("2026-03-02 09:13:21"):
        limits.limit_take("signin_failures", "k")
    with freeze_time("2026-03-02 09:30:01"):  # a whole quiet window later: forgotten
        for _ in range(3):
            limits.limit_take("signin_failures", "k")


def test_no_key_means_no_client_and_no_limit(tight):
    for _ in range(10):
        limits.limit_take("signin_failures", None)


def test_clearing_forgets_a_key(tight):
    for _ in range(3):
        limits.limit_take("signin_failures", "k")
    limits.limit_clear("signin_failures", "k")
    limits.limit_take("signin_failures", "k")


def test_keys_are_not_kept_in_clear_text(tight):
    limits.limit_count("signin_failures", "220202198603140215")
    stored = list(caches["default"]._cache)  # locmem: the raw keys
    assert stored and not any("220202198603140215" in key for key in stored)


@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (1, "1 秒"),
        (59, "59 秒"),
        (60, "1 分钟"),
        (61, "2 分钟"),
        (3600, "1 小时"),
        (3601, "2 小时"),
    ],
)
def test_waits_are_said_in_words(seconds, label):
    assert limits.wait_label(seconds) == label


def test_the_client_is_remote_addr_unless_proxies_are_trusted(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5"
    )
    settings.SHEBAO_PROXY_HOPS = 0
    assert limits.client_ip(request) == "10.1.1.1"
    settings.SHEBAO_PROXY_HOPS = 1  # our proxy appended the address it saw: the last one
    assert limits.client_ip(request) == "203.0.113.5"
    settings.SHEBAO_PROXY_HOPS = 2
    assert limits.client_ip(request) == "6.6.6.6"
    settings.SHEBAO_PROXY_HOPS = 3  # fewer entries than proxies: not trusted
    assert limits.client_ip(request) == "10.1.1.1"


def test_a_malformed_forwarded_address_falls_back_to_remote_addr(settings):
    settings.SHEBAO_PROXY_HOPS = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="nonsense")
    assert limits.client_ip(request) == "10.1.1.1"


def test_allowances_are_read_as_count_per_seconds(monkeypatch):
    monkeypatch.setenv("SHEBAO_LIMIT_X", "50/60")
    assert env_rate("SHEBAO_LIMIT_X", "20/600") == (50, 60)
    assert env_rate("SHEBAO_LIMIT_UNSET", "20/600") == (20, 600)


@pytest.mark.django_db
def test_the_database_cache_of_the_default_settings_keeps_the_counters(settings, tight):
    """The embedded default (no SHEBAO_CACHE_URL): the table exists after migrate and the
    counters live there, so every web process sees the same counts."""
    from shebao import settings as project

    settings.CACHES = project.cache_settings("database", redis_url="")
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert "shebao_cache" in connection.introspection.table_names()

    for _ in range(3):
        limits.limit_take("signin_failures", "10.0.0.1")
    with pytest.raises(RateLimited):
        limits.limit_take("signin_failures", "10.0.0.1")

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM shebao_cache WHERE cache_key LIKE %s", ["%limit:%"])
        assert cursor.fetchone()[0] == 1


def test_the_cache_setting_names_a_backend():
    redis = "redis://10.0.0.5:6379/2"
    backend = {
        url: cache_settings(url, redis_url=redis)["default"]["BACKEND"].rsplit(".", 1)[-1]
        for url in ("", "database", "locmem", "redis", "redis://cache:6379/1")
    }
    assert backend == {
        "": "DatabaseCache",
        "database": "DatabaseCache",
        "locmem": "LocMemCache",
        "redis": "RedisCache",
        "redis://cache:6379/1": "RedisCache",
    }
    assert cache_settings("redis", redis_url=redis)["default"]["LOCATION"] == redis
    with pytest.raises(ValueError):
        cache_settings("memcached://x", redis_url=redis)


def test_redis_keeps_the_counters_in_production(settings, tight):
    import redis

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("SHEBAO_REQUIRE_SERVICES"):
            pytest.fail(f"Redis is required here but not reachable at {url}")
        pytest.skip(f"Redis not reachable at {url}")
    settings.CACHES = cache_settings("redis", redis_url=url)
    key = f"test-{uuid.uuid4()}"  # parallel runs share the server
    try:
        for _ in range(3):
            limits.limit_take("signin_failures", key)
        with pytest.raises(RateLimited):
            limits.limit_take("signin_failures", key)
    finally:
        limits.limit_clear("signin_failures", key)
