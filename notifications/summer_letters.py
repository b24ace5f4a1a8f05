"""The words of the summer campaign's messages, in the member's language: the draw's result (an offer, a
place on waiting lists, or neither), an offer made later to the next in line, its reminder a day before
the deadline, its lapse. Pure, as ``notifications.letters``: deadlines are said in Moroccan time
(``Translator.moment``), which is the members' own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from kernel.i18n import Translator, format_date_range
from notifications.compose import Letter
from notifications.facts import StayFacts
from notifications.letters import greet, sign_off, stay_facts


@dataclass(frozen=True, slots=True)
class WaitingFacts:
    """One place on a slot's waiting list, as the draw published it (1 = first in line)."""

    centre_name: str
    town: str
    unit_type: str
    first_night: date
    departure: date
    position: int


@lru_cache(maxsize=1024)
def _span(locale: str, first: date, last: date) -> str:
    """A rotation's dates: a draw says the same few thousands of times (Babel's intervals are slow)."""
    return format_date_range(first, last, locale)


def _offer_facts(t: Translator, stay: StayFacts, deadline: datetime) -> tuple[tuple[str, str], ...]:
    return (
        *stay_facts(t, stay),
        (t.gettext("Price to pay"), t.money(stay.total)),
        (t.gettext("Pay by"), t.moment(deadline)),
    )


def offer(
    t: Translator, name: str, stay: StayFacts, deadline: datetime, pay_link: str, *, after_draw: bool
) -> Letter:
    """The draw's result for a winner (``after_draw``), or a unit freed later offered to the next in line."""
    opening = (
        t.gettext("The summer draw gave you a stay. It is held for you until you pay for it.")
        if after_draw
        else t.gettext(
            "A unit became free and you were next on its waiting list: this stay is held for you until "
            "you pay for it."
        )
    )
    return Letter(
        language=t.locale,
        subject=(
            t.gettext("Summer draw: a stay at %(centre)s is offered to you", centre=stay.centre_name)
            if after_draw
            else t.gettext(
                "A place became free: a stay at %(centre)s is offered to you", centre=stay.centre_name
            )
        ),
        greeting=greet(t, name),
        paragraphs=(
            opening,
            t.gettext(
                "Pay by %(deadline)s (Moroccan time), by card or from your holiday credit. Unpaid by then, "
                "the offer lapses and goes to the next on the waiting list.",
                deadline=t.moment(deadline),
            ),
        ),
        facts=_offer_facts(t, stay, deadline),
        link=(t.gettext("Pay for your stay"), pay_link),
        closing=sign_off(t),
        short=t.gettext(
            "Estivage: a summer stay at %(centre)s is offered to you. Pay by %(deadline)s: %(link)s",
            centre=stay.centre_name,
            deadline=t.moment(deadline),
            link=pay_link,
        ),
    )


def offer_reminder(t: Translator, name: str, stay: StayFacts, deadline: datetime, pay_link: str) -> Letter:
    return Letter(
        language=t.locale,
        subject=t.gettext(
            "Reminder: pay for your summer stay at %(centre)s by %(deadline)s",
            centre=stay.centre_name,
            deadline=t.moment(deadline),
        ),
        greeting=greet(t, name),
        paragraphs=(
            t.gettext(
                "Your summer offer is not paid yet. It lapses at %(deadline)s (Moroccan time) and then goes "
                "to the next on the waiting list.",
                deadline=t.moment(deadline),
            ),
        ),
        facts=_offer_facts(t, stay, deadline),
        link=(t.gettext("Pay for your stay"), pay_link),
        closing=sign_off(t),
        short=t.gettext(
            "Estivage: your summer offer at %(centre)s lapses at %(deadline)s unless paid: %(link)s",
            centre=stay.centre_name,
            deadline=t.moment(deadline),
            link=pay_link,
        ),
    )


def offer_lapsed(t: Translator, name: str, stay: StayFacts, deadline: datetime, summer_link: str) -> Letter:
    return Letter(
        language=t.locale,
        subject=t.gettext("Your summer offer at %(centre)s has lapsed", centre=stay.centre_name),
        greeting=greet(t, name),
        paragraphs=(
            t.gettext(
                "It was not paid by %(deadline)s (Moroccan time): the unit goes to the next on the waiting "
                "list, and nothing is owed.",
                deadline=t.moment(deadline),
            ),
        ),
        facts=stay_facts(t, stay),
        link=(t.gettext("Your summer application"), summer_link),
        closing=sign_off(t),
    )


def waitlisted(t: Translator, name: str, places: tuple[WaitingFacts, ...], summer_link: str) -> Letter:
    facts = tuple(
        (
            f"{place.centre_name} ({place.town}) · {place.unit_type} · "
            f"{_span(t.locale, place.first_night, place.departure)}",
            t.gettext("number %(position)s in line", position=place.position),
        )
        for place in places
    )
    return Letter(
        language=t.locale,
        subject=t.gettext("Summer draw: you are on the waiting list"),
        greeting=greet(t, name),
        paragraphs=(
            t.gettext("The summer draw gave you no stay yet; you are on the waiting list of your choices."),
            t.gettext(
                "When a unit becomes free it is offered to the next in line, who is told by mail and on "
                "the site, with a deadline to pay."
            ),
        ),
        facts=facts,
        link=(t.gettext("Your summer application"), summer_link),
        closing=sign_off(t),
    )


def not_drawn(t: Translator, name: str, summer_link: str) -> Letter:
    return Letter(
        language=t.locale,
        subject=t.gettext("Summer draw: no stay this summer"),
        greeting=greet(t, name),
        paragraphs=(
            t.gettext(
                "The summer draw gave you no stay, and you are on no waiting list: the units of your "
                "choices all went to applicants ahead of you."
            ),
            t.gettext("Your next application will count the summers you went without."),
        ),
        link=(t.gettext("Your summer application"), summer_link),
        closing=sign_off(t),
    )
