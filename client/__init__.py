"""Kring clients: the async Python library (tests, bench, bots) and the web assets."""

from .connection import CommandError, KringClient, create_room
from .mirror import Mirror

__all__ = ["CommandError", "KringClient", "Mirror", "create_room"]
