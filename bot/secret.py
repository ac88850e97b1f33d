"""A string that never shows itself: not in repr, str, f-strings, logs or tracebacks."""

from __future__ import annotations

MASK = "********"


class Secret:
    """Holds a credential. Only `reveal()` gives the value, and only the code that must send it calls it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):  # pickling would write the value somewhere we do not control
        raise TypeError("a Secret cannot be pickled")
