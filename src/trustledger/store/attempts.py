"""Counters of failed sign-ins with `limits`: moving windows in this process, or in Redis
(TRUSTLEDGER_REDIS) so that every server counts together."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from trustledger.domain.errors import Unavailable

T = TypeVar("T")
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
# Generous for a person who mistypes; against 80-bit access codes and 256-bit keys, guessing is hopeless.
LIMITS = {"client": parse("30/minute"), "identity": parse("10/hour")}


def storage_uri(redis: str | None) -> str:
    if not redis:
        return "memory://"
    return redis if redis.startswith(("redis://", "rediss://")) else DEFAULT_REDIS


class LimitsCounter:
    def __init__(self, redis: str | None, *, prefix: str) -> None:
        uri = storage_uri(redis)
        options: dict[str, Any] = {}
        if uri != "memory://":
            options = {"key_prefix": f"{prefix}:sign-in", "wrap_exceptions": True}
        self._limiter = MovingWindowRateLimiter(storage_from_string(uri, **options))

    def refused_for(self, kind: str, key: str) -> int | None:
        item = LIMITS[kind]
        if _guarded(lambda: self._limiter.test(item, kind, key)):
            return None
        return self._retry_after(item, kind, key)

    def hit(self, kind: str, key: str) -> bool:
        item = LIMITS[kind]
        _guarded(lambda: self._limiter.hit(item, kind, key))
        return _guarded(lambda: self._limiter.get_window_stats(item, kind, key)).remaining == 0

    def _retry_after(self, item: RateLimitItem, kind: str, key: str) -> int:
        reset = _guarded(lambda: self._limiter.get_window_stats(item, kind, key)).reset_time
        return max(1, math.ceil(reset - time.time()))


def _guarded(call: Callable[[], T]) -> T:
    try:
        return call()
    except StorageError as exc:
        raise Unavailable("the sign-in counters (Redis) do not answer; try again shortly") from exc
