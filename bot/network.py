"""Is the market data source reachable? Asked once at start-up so the operator hears it plainly."""

from __future__ import annotations

import asyncio

import aiohttp


async def unreachable_reason(session: aiohttp.ClientSession, url: str, timeout: float = 5.0) -> str | None:
    """None when `url` answers at all (any HTTP status), otherwise a short reason."""
    try:
        async with session.head(url, timeout=aiohttp.ClientTimeout(total=timeout), allow_redirects=False):
            return None
    except asyncio.TimeoutError:
        return f"no answer within {timeout:.0f} s"
    except aiohttp.ClientConnectorError as exc:
        return f"cannot connect ({exc.os_error.strerror or type(exc.os_error).__name__})"
    except aiohttp.ClientError as exc:
        return type(exc).__name__
