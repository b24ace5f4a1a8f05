"""The audit log of staff actions: who changed what, when, and what it was before and after.

- ``accounts.domain.audit``: the kinds of change, the actor, what is kept of before and after (pure);
- ``accounts.audit.models``: the append-only table (no update or delete path; on both databases a
  trigger refuses any UPDATE or DELETE of a row, migration 0018);
- ``accounts.audit.log``: ``record`` (one call in the use case that makes the change, on its session,
  so the entry commits or rolls back with it) and ``entries`` (the filtered, paginated reading).
"""
