"""The rules of a room, one module per part of a session, each with its handlers and its
short table (`RULES`: command -> Rule). engine.py merges the tables and dispatches."""
