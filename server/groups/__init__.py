"""Intervisiegroepen: members, links, schedule, kept in a database (SQLite or PostgreSQL).

The rooms know nothing of groups; a group's meeting will be an ordinary room seeded from
here (docs/GROUPS.md).
"""
