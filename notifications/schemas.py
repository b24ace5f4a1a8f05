"""HTTP shapes of the outbox (staff) and the inbox (members)."""
