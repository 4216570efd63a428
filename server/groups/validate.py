"""Checking a JSON request body of the groups API, field by field; every mistake an
`invalid_field` (HTTP 400) whose detail names the field."""

from __future__ import annotations

import unicodedata
from datetime import date, time
from typing import Any

from . import links
from .errors import invalid

MIN_YEAR, MAX_YEAR = 2000, 2100


class Body:
    """A request body: a JSON object holding only the fields an endpoint names."""

    def __init__(self, data: Any, fields: tuple[str, ...]):
        if not isinstance(data, dict):
            raise invalid("the body must be a JSON object")
        unexpected = sorted(set(data) - set(fields))
        if unexpected:
            raise invalid(f"unexpected field {unexpected[0]!r}")
        self.data: dict[str, Any] = data

    def has(self, key: str) -> bool:
        return key in self.data

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                raise invalid(f"{key!r} is missing")
            return None
        return self.data[key]

    def text(self, key: str, max_len: int, required: bool = True, nullable: bool = False) -> str | None:
        """Trimmed, 1-`max_len` characters, no control characters; null only if `nullable`."""
        value = self._get(key, required)
        if value is None:
            if key in self.data and not nullable:
                raise invalid(f"{key!r} may not be null")
            return None
        if not isinstance(value, str):
            raise invalid(f"{key!r} must be a string")
        value = value.strip()
        if not value:
            raise invalid(f"{key!r} may not be empty")
        if len(value) > max_len:
            raise invalid(f"{key!r} is longer than {max_len} characters")
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
            raise invalid(f"{key!r} contains control characters")
        return value

    def integer(self, key: str, low: int, high: int, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is None and not required and key not in self.data:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise invalid(f"{key!r} must be a whole number from {low} to {high}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None and key not in self.data:
            return None
        if value not in choices:
            raise invalid(f"{key!r} must be one of {', '.join(choices)}")
        return str(value)

    def day(self, key: str, required: bool = True) -> date | None:
        """A date as YYYY-MM-DD."""
        value = self._get(key, required)
        if value is None and key not in self.data:
            return None
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            parsed = date.fromisoformat(value)
        except ValueError:
            raise invalid(f"{key!r} must be a date as YYYY-MM-DD") from None
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise invalid(f"{key!r} must lie in the years {MIN_YEAR}-{MAX_YEAR}")
        return parsed

    def clock(self, key: str, required: bool = True) -> time | None:
        """A time of day as HH:MM (24 hours)."""
        value = self._get(key, required)
        if value is None and key not in self.data:
            return None
        try:
            if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
                raise ValueError
            return time(int(value[:2]), int(value[3:]))
        except ValueError:
            raise invalid(f"{key!r} must be a time as HH:MM") from None

    def token_hash(self, key: str = "token_hash") -> str:
        """The hash of a new link's token (links.py): base64url of 32 bytes, 43 characters."""
        value = self._get(key, True)
        if not isinstance(value, str) or not links.is_b64_32(value):
            raise invalid(f"{key!r} must be the unpadded base64url SHA-256 of the link's token (43 characters)")
        return value
