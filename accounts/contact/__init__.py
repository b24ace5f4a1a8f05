"""A member's own contact details (law 09-08: theirs to change): phone, language, and a new e-mail
address confirmed by a one-time code sent to it first (``accounts.domain.contact``)."""
