"""Paging bounds shared by every list of the API: ``limit`` 1–100, ``offset`` 0–1,000,000.

An unbounded offset reaches the database as ``OFFSET 9223372036854775808``, which SQLite cannot
hold (a 500) and PostgreSQL would scan for; a client that needs rows beyond a million narrows
its filter instead. Declared with the bounds, the OpenAPI tells clients the same limits.
"""

from __future__ import annotations

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
LIMIT_HELP = f"每页条数，1–{MAX_LIMIT}"
OFFSET_HELP = f"跳过的条数，0–{MAX_OFFSET}"
