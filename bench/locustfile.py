"""Locust scenarios of the two openings: members search, hold, pay (test mode) and fetch the pass when
direct bookings open; members apply for the summer when the summer campaign opens.

Run it through bench/load.py, which starts the server on a fresh PostgreSQL database, gives each
simulated phone a member's token and prints the figures. By hand, against a running server:

    ESTIVAGE_BENCH_TOKENS=tokens.json locust -f bench/locustfile.py --headless -u 50 -r 25 -t 60s \\
        --host http://127.0.0.1:8000

Each iteration is one member's path: availability for a centre and dates, a hold on a unit type that
has units left, checkout by card (the built-in test mode hands back a payment page), the payment
page's confirmation, then the pass. A 409 on the hold (the last unit went to someone else between
search and hold) and a 422 (the member's yearly nights are used up) are correct answers in a rush:
they are counted under their own names, not as failures. Anything else unexpected is a failure.

Summer stays are never sold directly (DESIGN.md: they are allocated by a draw), so the summer's own rush
is the opening of applications: each iteration of `SummerApplicant` reads the open campaign, applies
(or replaces the application) with three ranked choices for a party, and reads the application back.
Name the classes to run on locust's command line (`Member`, `SummerApplicant`); bench/load.py does.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import StopUser

CENTRES = ["ifrane", "sidi-bouzid", "saidia", "mdiq"]
FIRST_ARRIVAL = date(2027, 3, 1)  # off-season and every centre open (M'diq reopens in March)
ARRIVAL_DAYS = 100


def _tokens() -> list[dict[str, str]]:
    path = os.environ.get("ESTIVAGE_BENCH_TOKENS", "")
    if not path:
        raise SystemExit("ESTIVAGE_BENCH_TOKENS must name the tokens file (bench/load.py writes it)")
    with open(path, encoding="utf-8") as file:  # noqa: PTH123 - a plain file argument
        tokens: list[dict[str, str]] = json.load(file)
    return tokens


TOKENS = _tokens()
_next_member = itertools.cycle(range(len(TOKENS)))
REFUSED: Counter[int] = Counter()


@events.test_stop.add_listener
def _print_refusals(**_kwargs: Any) -> None:
    # One line that bench/load.py reads: holds refused by the rules, which are not errors.
    print(f"HOLDS REFUSED 409={REFUSED[409]} 422={REFUSED[422]}", flush=True)


class Member(HttpUser):
    """One phone; each iteration is the next member's booking path."""

    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        self.rng = random.Random()

    def _stay(self) -> dict[str, Any]:
        arrival = FIRST_ARRIVAL + timedelta(days=self.rng.randrange(ARRIVAL_DAYS))
        return {
            "centre": self.rng.choice(CENTRES),
            "arrival": arrival.isoformat(),
            "departure": (arrival + timedelta(days=self.rng.choice([2, 3, 4]))).isoformat(),
            "guests": self.rng.choice([1, 2, 2, 3, 4]),
        }

    @task
    def book_pay_and_get_the_pass(self) -> None:
        headers = {"Authorization": TOKENS[next(_next_member)]["authorization"]}
        stay = self._stay()
        with self.client.get(
            "/api/availability", params=stay, headers=headers, name="search availability", catch_response=True
        ) as search:
            if search.status_code != 200:
                search.failure(f"{search.status_code} {search.text[:200]}")
                return
            offers = [offer for offer in search.json() if offer["available"] > 0]
        if not offers:
            return  # sold out for these dates: the member tries other dates next time
        body = {**stay, "unit_type": self.rng.choice(offers)["unit_type"]}
        with self.client.post(
            "/api/bookings", json=body, headers=headers, name="hold", catch_response=True
        ) as held:
            if held.status_code in {409, 422}:
                held.success()
                REFUSED[held.status_code] += 1
                return
            if held.status_code != 201:
                held.failure(f"{held.status_code} {held.text[:200]}")
                return
            booking_id = held.json()["id"]
        checkout = self.client.post(
            f"/api/bookings/{booking_id}/checkout",
            json={"method": "card"},
            headers=headers,
            name="checkout (card, test mode)",
        )
        if checkout.status_code != 200:
            return
        page = checkout.json()["redirect_url"].split("?")[0]
        with self.client.post(
            f"{page}/confirm", name="pay (test-mode page)", allow_redirects=False, catch_response=True
        ) as paid:
            if paid.status_code != 303:
                paid.failure(f"{paid.status_code} {paid.text[:200]}")
                return
        self.client.get(f"/api/bookings/{booking_id}/pass", headers=headers, name="pass")


class SummerApplicant(HttpUser):
    """One phone at the opening of summer applications; each iteration is the next member applying."""

    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        self.rng = random.Random()
        campaigns = self.client.get(
            "/api/campaigns", headers=self._headers(), name="summer: campaigns"
        ).json()
        open_ones = [c for c in campaigns if c["status"] == "open"]
        if not open_ones:
            raise StopUser  # nothing to apply to: seed-demo opens the coming summer's campaign
        self.campaign = open_ones[0]["code"]
        detail = self.client.get(
            f"/api/campaigns/{self.campaign}", headers=self._headers(), name="summer: campaign"
        ).json()
        self.slots = detail["slots"]

    def _headers(self) -> dict[str, str]:
        return {"Authorization": TOKENS[next(_next_member)]["authorization"]}

    @task
    def apply_and_read_back(self) -> None:
        headers = self._headers()
        party = self.rng.choice([2, 3, 4, 4, 5])
        fitting = [slot for slot in self.slots if slot["capacity"] >= party] or self.slots
        choices = [
            {key: slot[key] for key in ("centre", "rotation", "unit_type")}
            for slot in self.rng.sample(fitting, min(3, len(fitting)))
        ]
        body = {"choices": choices, "party_size": party}
        with self.client.put(
            f"/api/campaigns/{self.campaign}/application",
            json=body,
            headers=headers,
            name="summer: apply",
            catch_response=True,
        ) as applied:
            if applied.status_code not in {200, 201}:
                applied.failure(f"{applied.status_code} {applied.text[:200]}")
                return
        self.client.get(
            f"/api/campaigns/{self.campaign}/application", headers=headers, name="summer: own application"
        )
