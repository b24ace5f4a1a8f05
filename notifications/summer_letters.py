"""The words of the summer campaign's messages, in the member's language: the draw's result (an offer, a
place on waiting lists, or neither), an offer made later to the next in line, its reminder a day before
the deadline, its lapse. Pure, as ``notifications.letters``: deadlines are said in Moroccan time
(``Translator.moment``), which is the members' own. An offer and its reminder are built by one helper
(``_offer_letter``: the stay, its price and deadline, the page to pay, the text message); a lapse and the
draw's results without an offer by another (``_application_letter``: the link to the application)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from kernel.i18n import N_, Translator, format_date_range
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


def _letter(
    t: Translator,
    name: str,
    subject: str,
    paragraphs: tuple[str, ...],
    link: tuple[str, str],
    facts: tuple[tuple[str, str], ...] = (),
    short: str = "",
) -> Letter:
    """A summer letter: to the member by name, with one link, signed by the centres' team."""
    return Letter(
        language=t.locale,
        subject=subject,
        greeting=greet(t, name),
        paragraphs=paragraphs,
        facts=facts,
        link=link,
        closing=sign_off(t),
        short=short,
    )


def _offer_letter(
    t: Translator,
    name: str,
    stay: StayFacts,
    deadline: datetime,
    pay_link: str,
    subject: str,
    paragraphs: tuple[str, ...],
    short: str,
) -> Letter:
    """An offer waiting for its payment (made, or reminded of): the stay, its price and its deadline, and
    the page to pay it; also as a text message, ``short`` (a message marked ``N_``) said with the centre,
    the deadline and the link."""
    facts = (
        *stay_facts(t, stay),
        (t.gettext("Price to pay"), t.money(stay.total)),
        (t.gettext("Pay by"), t.moment(deadline)),
    )
    text = t.gettext(short, centre=stay.centre_name, deadline=t.moment(deadline), link=pay_link)
    return _letter(t, name, subject, paragraphs, (t.gettext("Pay for your stay"), pay_link), facts, text)


def _application_letter(
    t: Translator,
    name: str,
    subject: str,
    paragraphs: tuple[str, ...],
    summer_link: str,
    facts: tuple[tuple[str, str], ...] = (),
) -> Letter:
    """A letter that leads back to the member's summer application (a lapse, a draw without an offer)."""
    return _letter(t, name, subject, paragraphs, (t.gettext("Your summer application"), summer_link), facts)


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
    subject = (
        t.gettext("Summer draw: a stay at %(centre)s is offered to you", centre=stay.centre_name)
        if after_draw
        else t.gettext("A place became free: a stay at %(centre)s is offered to you", centre=stay.centre_name)
    )
    paying = t.gettext(
        "Pay by %(deadline)s (Moroccan time), by card or from your holiday credit. Unpaid by then, "
        "the offer lapses and goes to the next on the waiting list.",
        deadline=t.moment(deadline),
    )
    short = N_("Estivage: a summer stay at %(centre)s is offered to you. Pay by %(deadline)s: %(link)s")
    return _offer_letter(t, name, stay, deadline, pay_link, subject, (opening, paying), short)


def offer_reminder(t: Translator, name: str, stay: StayFacts, deadline: datetime, pay_link: str) -> Letter:
    subject = t.gettext(
        "Reminder: pay for your summer stay at %(centre)s by %(deadline)s",
        centre=stay.centre_name,
        deadline=t.moment(deadline),
    )
    lapses = t.gettext(
        "Your summer offer is not paid yet. It lapses at %(deadline)s (Moroccan time) and then goes "
        "to the next on the waiting list.",
        deadline=t.moment(deadline),
    )
    short = N_("Estivage: your summer offer at %(centre)s lapses at %(deadline)s unless paid: %(link)s")
    return _offer_letter(t, name, stay, deadline, pay_link, subject, (lapses,), short)


def offer_lapsed(t: Translator, name: str, stay: StayFacts, deadline: datetime, summer_link: str) -> Letter:
    lapsed = t.gettext(
        "It was not paid by %(deadline)s (Moroccan time): the unit goes to the next on the waiting "
        "list, and nothing is owed.",
        deadline=t.moment(deadline),
    )
    subject = t.gettext("Your summer offer at %(centre)s has lapsed", centre=stay.centre_name)
    return _application_letter(t, name, subject, (lapsed,), summer_link, stay_facts(t, stay))


def waitlisted(t: Translator, name: str, places: tuple[WaitingFacts, ...], summer_link: str) -> Letter:
    facts = tuple(
        (
            f"{place.centre_name} ({place.town}) · {place.unit_type} · "
            f"{_span(t.locale, place.first_night, place.departure)}",
            t.gettext("number %(position)s in line", position=place.position),
        )
        for place in places
    )
    paragraphs = (
        t.gettext("The summer draw gave you no stay yet; you are on the waiting list of your choices."),
        t.gettext(
            "When a unit becomes free it is offered to the next in line, who is told by mail and on "
            "the site, with a deadline to pay."
        ),
    )
    subject = t.gettext("Summer draw: you are on the waiting list")
    return _application_letter(t, name, subject, paragraphs, summer_link, facts)


def not_drawn(t: Translator, name: str, summer_link: str) -> Letter:
    paragraphs = (
        t.gettext(
            "The summer draw gave you no stay, and you are on no waiting list: the units of your "
            "choices all went to applicants ahead of you."
        ),
        t.gettext("Your next application will count the summers you went without."),
    )
    subject = t.gettext("Summer draw: no stay this summer")
    return _application_letter(t, name, subject, paragraphs, summer_link)
