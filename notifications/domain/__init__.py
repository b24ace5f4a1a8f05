"""The outbox's pure rules: message states, when to try again, which refusals are final."""
