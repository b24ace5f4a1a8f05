"""The summer messages' words, without a database: the deadline said in Moroccan time, the stay with its
centre's address and times, a waiting list's places, and Arabic laid out right to left."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, time

from kernel.i18n import translator
from kernel.money import Money
from notifications.compose import render_html, render_text
from notifications.facts import StayFacts
from notifications.summer_letters import (
    WaitingFacts,
    not_drawn,
    offer,
    offer_lapsed,
    offer_reminder,
    waitlisted,
)

STAY = StayFacts(
    booking_id=uuid.UUID(int=7),
    code="ABC123",
    centre_code="saidia",
    centre_name="Saïdia",
    town="Saïdia",
    address="Boulevard de la Méditerranée",
    unit_type="Bungalow",
    unit="B3",
    arrival=date(2027, 7, 1),
    departure=date(2027, 7, 11),
    arrival_time=time(15, 0),
    departure_time=time(11, 0),
    time_zone="Africa/Casablanca",
    guests=5,
    party=(),
    total=Money(250000, "MAD"),
    instalments=(),
)
DEADLINE = datetime(2027, 5, 3, 21, 30, tzinfo=UTC)  # 22:30 in Morocco
PAY = "https://estivage.example/bookings/00000000-0000-0000-0000-000000000007"


def test_an_offer_says_its_deadline_in_moroccan_time_the_price_the_centre_and_the_pay_page() -> None:
    letter = offer(translator("fr"), "Amina Alaoui", STAY, DEADLINE, PAY, after_draw=True)
    text = render_text(letter)
    assert "22:30" in text
    assert "21:30" not in text
    assert "Boulevard de la Méditerranée" in text
    assert "15:00" in text  # the centre's own arrival time
    assert "11:00" in text
    assert "5 personnes" in text
    assert "2\u202f500,00" in text or "2 500,00" in text
    assert PAY in text
    assert PAY in letter.short
    assert "22:30" in letter.short


def test_a_later_offer_says_a_unit_became_free_and_the_draw_result_does_not() -> None:
    t = translator("fr")
    later = offer(t, "", STAY, DEADLINE, PAY, after_draw=False)
    drawn = offer(t, "", STAY, DEADLINE, PAY, after_draw=True)
    assert later.subject.startswith("Une place s'est libérée")
    assert drawn.subject.startswith("Tirage d'été")
    assert later.greeting == "Bonjour,"


def test_the_reminder_and_the_lapse_say_the_deadline_and_only_the_reminder_links_to_payment() -> None:
    t = translator("fr")
    reminder = offer_reminder(t, "", STAY, DEADLINE, PAY)
    lapsed = offer_lapsed(t, "", STAY, DEADLINE, "https://estivage.example/summer")
    assert "22:30" in reminder.subject
    assert PAY in render_text(reminder)
    assert "22:30" in render_text(lapsed)
    assert PAY not in render_text(lapsed)


def test_a_waiting_list_letter_names_each_place_and_its_rank() -> None:
    places = (
        WaitingFacts("Al Arz", "Ifrane", "Studio", date(2027, 7, 1), date(2027, 7, 11), 3),
        WaitingFacts("Asianda", "Sidi Bouzid", "Bungalow", date(2027, 7, 11), date(2027, 7, 21), 12),
    )
    text = render_text(waitlisted(translator("fr"), "", places, "https://estivage.example/summer"))
    assert "Al Arz (Ifrane)" in text
    assert "n° 3 sur la liste" in text
    assert "n° 12 sur la liste" in text


def test_arabic_summer_letters_are_right_to_left_and_in_arabic() -> None:
    t = translator("ar")
    letter = not_drawn(t, "أمينة العلوي", "https://estivage.example/summer")
    page = render_html(letter)
    assert 'dir="rtl"' in page
    assert "القرعة الصيفية" in letter.subject
    assert "أمينة العلوي" in page
    assert "الأداء قبل" in render_text(offer(t, "", STAY, DEADLINE, PAY, after_draw=True))


SUMMER = "https://estivage.example/summer"
PLACES = (WaitingFacts("Al Arz", "Ifrane", "Studio", date(2027, 7, 1), date(2027, 7, 11), 3),)
# The digest of every summer letter's fields (subject, words, facts, link, short) in both languages, as
# written before their shared helpers (``_offer_letter``, ``_application_letter``): a change of words
# changes it on purpose (print ``_every_letter()``'s digest and put it here), a refactoring never does.
LETTERS_DIGEST = "3bae18f374b44233e5b3b137ba0032e4059d4e2ada219192fd0b84ef59a6989d"


def _every_letter() -> str:
    lines = []
    for language in ("fr", "ar"):
        t = translator(language)
        for name in ("", "Amina Alaoui"):
            lines += map(
                repr,
                (
                    offer(t, name, STAY, DEADLINE, PAY, after_draw=True),
                    offer(t, name, STAY, DEADLINE, PAY, after_draw=False),
                    offer_reminder(t, name, STAY, DEADLINE, PAY),
                    offer_lapsed(t, name, STAY, DEADLINE, SUMMER),
                    waitlisted(t, name, PLACES, SUMMER),
                    not_drawn(t, name, SUMMER),
                ),
            )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_every_summer_letter_says_exactly_what_it_said_before_the_letters_shared_their_helpers() -> None:
    assert _every_letter() == LETTERS_DIGEST
