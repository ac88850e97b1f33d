"""Instants are stored as UTC ISO 8601 text, so they sort as text and read back unambiguously."""

from __future__ import annotations

from datetime import datetime, timezone


def to_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime (UTC or a zone)")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)
