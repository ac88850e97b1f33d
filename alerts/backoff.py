"""How long to wait before trying again: one doubling rule, and one reading of an upstream's Retry-After.

Every retry in rotobot (an upstream request, a Discord login, an alert to a target that refused it) waits
`doubling(n)`: first, 2 x first, 4 x first ... capped. Callers that must not retry in lockstep add their own jitter
on top (alerts/market/source_client.py does).
"""

from __future__ import annotations

import re
from datetime import UTC
from email.utils import parsedate_to_datetime


def doubling(attempt: int, first: float, cap: float) -> float:
    """The wait after failed try `attempt` (0-based): first * 2**attempt, never more than `cap`."""
    if attempt < 0:
        raise ValueError(f"attempt must not be negative, not {attempt}")
    # Clamp the exponent: 2.0**1024 raises, while an overflow to inf in the product is harmless under min().
    return min(cap, first * 2.0 ** min(attempt, 1000))


_DELTA_SECONDS = re.compile(r"\d+")  # RFC 9110: a whole number of seconds


def retry_after_seconds(value: str | None, *, server_date: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP-date); None if absent or unreadable.

    An HTTP-date is measured from the response's own Date header when there is one, so a skew between the
    upstream's clock and ours does not matter; otherwise from `now` (seconds since the epoch). (Discord's exact
    wait, in fractional seconds, is in its JSON body's retry_after; the header is the whole-second fallback.)
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    reference = _http_date(server_date) if server_date else None
    return max(0.0, when - (reference if reference is not None else now))


def _http_date(value: str) -> float | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    # Naive only for "-0000", which RFC 5322 still means UTC; and datetime.timestamp() would assume local time.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC).timestamp()
    return parsed.timestamp()
