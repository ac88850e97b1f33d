"""The envelope every Yahoo Finance answer comes in (`{"chart": {"result": …, "error": null}}`, spark's likewise):
read once here for the chart and spark parsers, so both refuse Yahoo's own errors and a wrong shape alike."""

from __future__ import annotations

from typing import Any

from alerts.market.errors import UpstreamError


def envelope_results(document: Any, key: str, source: str, label: str = "") -> Any:
    """`document[key]["result"]` of a Yahoo answer (`{"chart": {"result": …, "error": null}}`, spark's likewise),
    unchecked; raises UpstreamError for Yahoo's own error (in `key` or in a `finance` object) or another shape.
    `label` starts each refusal ("spark: ")."""
    inner = document.get(key) if isinstance(document, dict) else None
    if not isinstance(inner, dict):
        finance = document.get("finance") if isinstance(document, dict) else None
        if isinstance(finance, dict) and finance.get("error") is not None:
            raise UpstreamError(source, f"{label}Yahoo error {describe_error(finance['error'])}")
        raise UpstreamError(source, f"{label}JSON without a '{key}' object ({_keys(document)})")
    if inner.get("error") is not None:
        raise UpstreamError(source, f"{label}Yahoo error {describe_error(inner['error'])}")
    return inner.get("result")


def _keys(document: Any) -> str:
    if isinstance(document, dict):
        names = list(document)[:3]
        return f"keys {', '.join(map(repr, names))}{', …' if len(document) > 3 else ''}" if names else "an empty object"
    return f"a JSON {type(document).__name__}"


def describe_error(error: Any) -> str:
    if isinstance(error, dict) and ("code" in error or "description" in error):
        return f"{error.get('code')}: {error.get('description')}"
    return repr(error)[:200]
