"""The pages' words for problems: one entry per stable error code of the domain packages (a unit test
scans their source for every code raised), and the pages' own form checks. The words are English
msgids; their French and Arabic are in the catalogues (``kernel/locale``, see ``kernel.i18n``), where a
test holds every one of them to having both.

Variants, looked up before the plain words:
- ``ON_FIELD[(code, field)]``: the same code means something else on another field;
- ``WITH_FIGURES[code]``: the words with the error's ``params`` by name (``%(min_nights)s``…), in the
  plural form their count asks for; used when the error carries every param they name, otherwise the
  plain words are shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from kernel.errors import DomainError
from kernel.i18n import N_, Translator, translator

Params = Mapping[str, int | str]

# The pages' own form checks (pages, and the staff forms' schemas).
INVALID = N_("Invalid value")
REQUIRED = N_("Required field.")
NOT_A_NUMBER = N_("Type a number.")
NOT_A_DATE = N_("Type a date (YYYY-MM-DD).")
AT_LEAST = N_("At least %(limit)s.")
AT_MOST = N_("At most %(limit)s.")
BAD_FORMAT = N_("Letters, digits and hyphens only.")
TWO_DECIMALS = N_("Two decimals at most.")
NOT_A_CHOICE = N_("Choose a value from the list.")


def too_long(t: Translator, limit: int) -> str:
    return t.ngettext("Too long: at most %(num)s character.", "Too long: at most %(num)s characters.", limit)


ERROR_WORDS: dict[str, str] = {
    # Bookings: dates, stays, limits.
    "invalid_dates": N_("Invalid dates."),
    "departure_before_arrival": N_("The departure must come after the arrival."),
    "arrival_in_past": N_("The arrival has already passed."),
    "arrival_too_far": N_("This arrival is too far ahead."),
    "arrival_weekday": N_("Arrivals are not possible on that day in this season."),
    "invalid_guests": N_("At least one person."),
    "invalid_stay": N_("A stay has at least one night."),
    "stay_too_short": N_("Stay too short for this season."),
    "stay_too_long": N_("Stay too long for this season."),
    "centre_closed": N_("The centre is closed on these dates."),
    "summer_by_application": N_(
        "These nights are in the summer season: they are allotted by application (Summer page)."
    ),
    "not_bookable": N_("These dates cannot be booked directly."),
    "open_hold_limit": N_("You already have an unpaid booking: pay or cancel it before making another."),
    "yearly_nights_limit": N_("You have reached the yearly limit of off-season nights."),
    "sold_out": N_("No unit of this type is left for these dates."),
    "party_too_large": N_("Too many persons for this unit."),
    "not_offered": N_("This unit is not offered for these dates."),
    "promo_not_applicable": N_("This promotion code does not apply to this stay."),
    "hold_lost": N_("The booking time ran out and the stay can no longer be kept."),
    "price_changed": N_("The price of this stay has changed since it was held."),
    "invalid_transition": N_("The booking's state no longer allows this."),
    "unit_not_suitable": N_("This unit is not of the booked type."),
    "unit_taken": N_("This unit is taken during this stay."),
    "unit_out_of_service": N_("This unit is out of service."),
    "receipt_not_found": N_("No such receipt."),
    "stay_begun": N_("This stay has begun: it can no longer be cancelled."),
    "before_arrival_day": N_("This stay has not begun yet: come back on its arrival day."),
    "stay_over": N_("This stay is already over."),
    "desk_only": N_("Only the centre's manager or staff act at the desk."),
    "staff_only": N_("Only staff may do this."),
    "invalid_housekeeping": N_("Choose a housekeeping state from the list."),
    "invalid_refund": N_("Name an amount in dirhams."),
    "refund_above_paid": N_("The refund cannot be more than what was paid."),
    "member_not_found": N_("This account is not a member's."),
    "booking_not_found": N_("Booking not found."),
    "no_pass_yet": N_("The gate pass is issued once the stay is paid."),
    # Paying.
    "not_payable": N_("This booking can no longer be paid."),
    "nothing_to_pay": N_("This stay is free: no card payment is needed."),
    "invalid_instalments": N_("Invalid number of instalments."),
    "instalment_too_small": N_("Instalments too small: choose fewer."),
    "credit_not_available": N_("The holiday credit is not offered to your category: pay by card."),
    "credit_already_open": N_("You are already repaying a holiday credit: pay for this stay by card."),
    "payment_not_found": N_("Payment not found."),
    "bad_signature": N_("Invalid Stripe signature."),
    "payment_method_unavailable": N_("This way of paying is not offered here."),
    "payment_required": N_("This stay is not free: choose a way to pay."),
    "payment_cancelled": N_("This payment was given up when the booking time ran out: book again."),
    "provider_not_configured": N_("This way of paying is not offered here."),
    "cmi_bad_checkout": N_(
        "The card payment could not be prepared: your account needs a plain e-mail address."
    ),
    "refund_not_found": N_("Refund not found."),
    "refund_already_made": N_("This refund is already recorded with another transaction number."),
    # Rating.
    "already_rated": N_("This stay has already been rated."),
    "not_rateable_yet": N_("You may rate the stay once it is over."),
    "invalid_score": N_("The rating goes from 1 to 5."),
    "comment_too_long": N_("Comment too long."),
    "invalid_comment": N_("The comment holds a forbidden character."),
    # Summer applications and the draw.
    "applications_closed": N_("Applications are closed."),
    "applications_still_open": N_("Applications are still open."),
    "already_applied": N_("An application was just recorded for you: change it."),
    "application_not_found": N_("No application in this campaign."),
    "duplicate_choice": N_("This choice is already higher up."),
    "choice_count": N_("Choose one to three units."),
    "unknown_centre": N_("Centre not in this campaign."),
    "unknown_rotation": N_("Rotation not in this campaign."),
    "unknown_unit_type": N_("This centre does not have this unit type."),
    "offer_paid": N_("This stay is paid: cancel the booking to give it up."),
    "offer_not_found": N_("No current offer in this campaign."),
    "campaign_not_found": N_("Campaign not found."),
    "campaign_exists": N_("This summer season already has its campaign."),
    "campaign_closed": N_("This campaign's applications are closed: it no longer changes."),
    "not_a_summer": N_("This season is not a summer season."),
    "deadline_passed": N_("The deadline must be in the future."),
    "deadline_too_late": N_("Applications must close before the summer begins."),
    "no_rotations": N_("This season has no rotations."),
    "no_tariff": N_("No summer tariff for this unit."),
    "slot_applied_for": N_("An application is for a unit this change would remove."),
    "bad_weights": N_("Invalid score weights."),
    "bad_share": N_("Reserved shares go from 0 to 100%% and add up to no more than 100%%."),
    "not_closed": N_("Applications are not closed yet."),
    "already_drawn": N_("The draw has already taken place."),
    "not_drawn": N_("The draw has not taken place yet."),
    "offers_still_open": N_("Some offers still await payment: settle them after their deadline first."),
    "seed_not_revealed": N_("The draw awaits the revealed seed."),
    "seed_commitment_mismatch": N_("The recorded seed is not the one of the published commitment."),
    "bad_publication": N_("Unreadable draw file."),
    "inputs_inconsistent": N_("The draw's published data are inconsistent."),
    "duplicate_application": N_("An application appears twice in the draw."),
    "lottery_mismatch": N_("The draw's order does not match the applications."),
    "negative_units": N_("A number of units cannot be negative."),
    "negative_reservation": N_("A quota reservation cannot be negative."),
    "reserve_exceeds_units": N_("The reserved share exceeds the number of units."),
    "unknown_slot": N_("Unit not in this campaign."),
    "no_live_offer": N_("No current offer for this application."),
    # Configuration (staff).
    "centre_not_found": N_("Unknown centre."),
    "centre_exists": N_("This centre already exists."),
    "invalid_time_zone": N_("Unknown time zone."),
    "unit_type_not_found": N_("This centre does not have this unit type."),
    "unit_type_exists": N_("This unit type already exists."),
    "unit_not_found": N_("Unknown unit."),
    "unit_exists": N_("This unit number already exists."),
    "season_not_found": N_("Unknown season."),
    "season_exists": N_("This season code already exists."),
    "season_of_other_centre": N_("This season belongs to another centre."),
    "invalid_nights": N_("The maximum of nights must be at least the minimum."),
    "invalid_rotation": N_("Rotations must be within the season, each with its own code."),
    "invalid_quota": N_("Give either a number of units or a share."),
    "range_too_long": N_("Period too long."),
    "invalid_promotion": N_("This kind of promotion needs this field."),
    "cap_set_and_cleared": N_("A limit cannot be both set and lifted."),
    "promotion_code_exists": N_("A promotion already has this code."),
    "promotion_not_found": N_("Promotion not found."),
    "device_not_found": N_("Gate device not found."),
    "pass_id_required": N_("A granted passage names its gate pass."),
    "instant_without_offset": N_("A time without its offset from UTC (such as +01:00) is not an instant."),
    "too_many_reissues": N_("This pass was reissued too often today; try again tomorrow."),
    # Accounts.
    "bad_credentials": N_("Wrong username or password"),
    "wrong_centre": N_("You have no access to this centre."),
    # Staff booking for a member.
    "member_required": N_("Say which member this is for (their member number)."),
    "member_not_allowed": N_("Only staff book for another member."),
    "member_inactive": N_("This member's account is disabled: no booking can be made for them."),
    "membership_inactive": N_(
        "This membership is no longer on the foundation's roster: no new booking or application can be made."
    ),
    "roster_unreadable": N_("The roster file cannot be read as CSV."),
    "roster_empty": N_("The roster file is empty: it has no header row."),
    "roster_encoding": N_("The roster file is not UTF-8 text."),
    "roster_columns": N_("The roster file's header lacks required columns."),
    "invalid_month": N_("A month is written YYYY-MM, such as 2027-07."),
    "year_out_of_range": N_("Choose a year between 2000 and 2100."),
    "card_by_member_only": N_("A card payment is the member's own: they pay on their booking page."),
    # The party of a booking.
    "party_name_missing": N_("Every person of the party needs a name."),
    "party_name_too_long": N_("A name has at most 100 characters."),
    "party_count_mismatch": N_("The party must count the persons booked: the member and the people named."),
    "party_locked": N_("The party can no longer change: the stay has begun or ended."),
    # A member's contact details.
    "invalid_phone": N_("A phone number has 8 to 15 digits, with + first if any."),
    "invalid_language": N_("Choose French or Arabic."),
    "invalid_email": N_("This is not an e-mail address."),
    "email_unchanged": N_("This is already the address on record."),
    "too_many_codes": N_("Too many codes asked for today; try again tomorrow."),
    "invalid_code": N_("Wrong code."),
    "code_expired": N_("This code no longer works: ask for a new one."),
    # Accounts: sessions, passwords, staff accounts.
    "rate_limited": N_("Too many attempts; try again in a few minutes."),
    "refresh_refused": N_("Your session has ended: log in again."),
    "weak_password": N_("A password has 10 to 128 characters."),
    "username_taken": N_("This username is taken."),
    "centres_required": N_("A centre manager manages at least one centre."),
    "own_account": N_("You cannot disable your own account nor change its role."),
    "account_not_found": N_("No manager or staff account has this username."),
}

ON_FIELD: dict[tuple[str, str], str] = {
    ("not_offered", "unit_type"): N_("This unit is not offered to your category on these dates."),
    ("not_offered", "choices"): N_("This unit is not offered for this rotation."),
    ("invalid_promotion", "pay_nights"): N_("There must be fewer nights paid than nights stayed."),
    ("member_not_found", "member"): N_("No member has this number."),
    ("unknown_centre", "centres"): N_("No such centre."),
}


def _count(params: Params, name: str) -> int:
    return int(params[name])


def _weekdays(t: Translator, params: Params) -> str:
    """ISO weekdays ("5,6") by their names in the page's language, as a list: "vendredi et samedi"."""
    days = [t.weekday(int(d)) for d in str(params["weekdays"]).split(",")]
    return t.gettext("In this season, arrivals are on %(weekdays)s.", weekdays=t.join(days))


# Why a typed promotion code does not apply (``booking.domain.promotions.Refusal.reason``).
PROMO_REFUSED: dict[str, str] = {
    "unknown": N_("No promotion has this code."),
    "paused": N_("This promotion is paused."),
    "centre": N_("This code is not valid at this centre."),
    "unit_type": N_("This code is not valid for this kind of unit."),
    "category": N_("This code is not valid for your category of member."),
    "arrival_weekday": N_("This code is not valid for this arrival day."),
    "dates": N_("This code is not valid for these dates."),
    "not_open_yet": N_("This code cannot be used yet."),
    "closed": N_("This code can no longer be used."),
    "used_up": N_("This promotion has been used up."),
    "nothing_off": N_("This code takes nothing off this stay."),
}


def _promo_refused(t: Translator, params: Params) -> str:
    reason = str(params["reason"])
    if reason == "min_nights":
        return t.ngettext(
            "This code is valid for stays of at least %(min_nights)s night.",
            "This code is valid for stays of at least %(min_nights)s nights.",
            _count(params, "min_nights"),
            **params,
        )
    if reason == "too_short":
        return t.gettext(
            "Stay %(stay_nights)s nights, pay %(pay_nights)s: this stay is too short for this code.",
            **params,
        )
    return t.gettext(PROMO_REFUSED[reason])


WITH_FIGURES: dict[str, Callable[[Translator, Params], str]] = {
    "promo_not_applicable": _promo_refused,
    "arrival_too_far": lambda t, p: t.ngettext(
        "The arrival may be at most %(max_days)s day away.",
        "The arrival may be at most %(max_days)s days away.",
        _count(p, "max_days"),
        **p,
    ),
    "arrival_weekday": _weekdays,
    "stay_too_short": lambda t, p: t.ngettext(
        "In this season, a stay lasts at least %(min_nights)s night.",
        "In this season, a stay lasts at least %(min_nights)s nights.",
        _count(p, "min_nights"),
        **p,
    ),
    "stay_too_long": lambda t, p: t.ngettext(
        "In this season, a stay lasts at most %(max_nights)s night.",
        "In this season, a stay lasts at most %(max_nights)s nights.",
        _count(p, "max_nights"),
        **p,
    ),
    "yearly_nights_limit": lambda t, p: t.ngettext(
        "At most %(max_nights)s off-season night a year; you have %(left)s left.",
        "At most %(max_nights)s off-season nights a year; you have %(left)s left.",
        _count(p, "max_nights"),
        **p,
    ),
    "invalid_instalments": lambda t, p: t.ngettext(
        "Choose from %(min)s to %(max)s monthly instalment.",
        "Choose from %(min)s to %(max)s monthly instalments.",
        _count(p, "max"),
        **p,
    ),
    "comment_too_long": lambda t, p: t.ngettext(
        "A comment has at most %(max_length)s character.",
        "A comment has at most %(max_length)s characters.",
        _count(p, "max_length"),
        **p,
    ),
    "range_too_long": lambda t, p: t.ngettext(
        "At most %(max_nights)s night at a time.",
        "At most %(max_nights)s nights at a time.",
        _count(p, "max_nights"),
        **p,
    ),
    "too_many_reissues": lambda t, p: t.ngettext(
        "A pass may be reissued %(limit)s time in 24 hours; try again later.",
        "A pass may be reissued %(limit)s times in 24 hours; try again later.",
        _count(p, "limit"),
        **p,
    ),
    "card_by_member_only": lambda t, p: t.gettext(
        "A card payment is the member's own: they pay on their booking page, %(page)s, logged in.", **p
    ),
    "party_too_large": lambda t, p: t.ngettext(
        "This unit takes at most %(capacity)s person, the member included.",
        "This unit takes at most %(capacity)s persons, the member included.",
        _count(p, "capacity"),
        **p,
    ),
    "party_count_mismatch": lambda t, p: t.ngettext(
        "A party of %(guests)s is the member alone: name no one, or book for more persons.",
        "A party of %(guests)s is the member and %(others)s people named; %(named)s were named.",
        _count(p, "guests"),
        others=_count(p, "guests") - 1,
        **p,
    ),
    "invalid_code": lambda t, p: t.ngettext(
        "Wrong code: %(attempts_left)s try left.",
        "Wrong code: %(attempts_left)s tries left.",
        _count(p, "attempts_left"),
        **p,
    ),
    "rate_limited": lambda t, p: t.ngettext(
        "Too many failed attempts; try again in %(minutes)s minute.",
        "Too many failed attempts; try again in %(minutes)s minutes.",
        _count(p, "minutes"),
        **p,
    ),
    "weak_password": lambda t, p: t.gettext("A password has %(min)s to %(max)s characters.", **p),
    "too_many_codes": lambda t, p: t.ngettext(
        "At most %(limit)s code a day; try again tomorrow.",
        "At most %(limit)s codes a day; try again tomorrow.",
        _count(p, "limit"),
        **p,
    ),
}


def error_text(lang: str, error: DomainError) -> str:
    """The words for a known error code in the page's language, else the API's detail.

    A variant for the field (the field's name without its index) comes first; then the words with the
    error's params when it carries all they name; then the plain words."""
    words = ERROR_WORDS.get(error.code)
    if words is None:
        return error.detail
    t = translator(lang)
    name = re.match(r"[a-z_]+", error.field or "")
    if name and (error.code, name.group(0)) in ON_FIELD:
        return t.gettext(ON_FIELD[(error.code, name.group(0))])
    with_figures = WITH_FIGURES.get(error.code)
    if with_figures is not None:
        try:
            return with_figures(t, error.params)
        except (KeyError, ValueError):  # a param the words need is not carried: the plain words say it
            pass
    return t.gettext(words)
