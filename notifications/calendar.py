"""The stay as an iCalendar event (RFC 5545): arrival and departure at the centre's local times, in the
centre's time zone, at the centre's address; its UID is the booking's, so a second copy updates the first."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar

from notifications.facts import StayFacts


def stay_ics(stay: StayFacts, summary: str, stamp: datetime) -> bytes:
    zone = ZoneInfo(stay.time_zone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Estivage//stays//")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{stay.booking_id}@estivage")
    event.add("dtstamp", stamp)
    event.add("dtstart", datetime.combine(stay.arrival, stay.arrival_time, tzinfo=zone))
    event.add("dtend", datetime.combine(stay.departure, stay.departure_time, tzinfo=zone))
    event.add("summary", summary)
    event.add("location", ", ".join(part for part in (stay.centre_name, stay.address, stay.town) if part))
    event.add("description", stay.code)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
