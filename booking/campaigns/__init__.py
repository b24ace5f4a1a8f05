"""Summer campaigns on the database: applications, the committed draw, offers as holds, lapses, audit.

The rules are ``booking.domain.allocation`` (pure); this package stores a campaign, turns its rows into
the rules' inputs, and turns the rules' outputs into rows and bookings.
"""
