"""Why market data was not taken. Each carries a short reason fit for a log line and an operator notice."""

from __future__ import annotations


class UpstreamError(Exception):
    """A source failed or answered with something rotobot will not store.

    `retryable` is True for faults that may pass (timeouts, 5xx, 429); False for answers that will not change
    on a second try (an unknown symbol, a body that is not the expected format).
    """

    def __init__(self, source: str, reason: str, *, symbol: str | None = None, retryable: bool = False,
                 rate_limited: bool = False) -> None:
        self.source = source
        self.reason = reason
        self.symbol = symbol
        self.retryable = retryable
        # The last try was answered 429: the source's limit on rotobot's requests, not a fault of what was asked.
        self.rate_limited = rate_limited
        where = f"{source} {symbol}" if symbol else source
        super().__init__(f"{where}: {reason}")


class SourceUnavailable(UpstreamError):
    """The source's circuit breaker is open: no request was sent."""
