"""A process's copies of accounts' states (issue 21): used only while its listener hears Redis, never
kept by a read that a change overtook, and never older than the store's copy could be."""

from __future__ import annotations

import time

from accounts.domain.sessions import AccountState
from accounts.tokens import CACHE_SECONDS, LocalStates

STATE = AccountState(user_id=7, username="M0007", role="member", active=True, version=1)


def _live(size: int = 10) -> LocalStates:
    local = LocalStates(size)
    local.heard(60)
    return local


def test_a_copy_is_served_only_while_the_listener_hears_redis() -> None:
    local = _live()
    local.keep(STATE, local.epoch, time.time())
    assert local.get(7) == STATE
    local.deaf()
    assert local.get(7) is None
    local.heard(60)
    assert local.get(7) is None  # cleared when the subscription was lost: changes may have been missed


def test_nothing_is_kept_while_no_one_listens() -> None:
    local = LocalStates()
    local.keep(STATE, local.epoch, time.time())
    local.heard(60)
    assert local.get(7) is None


def test_a_read_overtaken_by_a_change_keeps_nothing() -> None:
    local = _live()
    began = local.epoch
    local.drop(7)  # the account changed while the request waited for Redis or the database
    local.keep(STATE, began, time.time())
    assert local.get(7) is None


def test_a_copy_lives_no_longer_than_the_stores_copy_from_the_same_database_read() -> None:
    local = _live()
    local.keep(STATE, local.epoch, time.time() - CACHE_SECONDS - 0.1)
    assert local.get(7) is None
    local.keep(STATE, local.epoch, 0.0)  # a store copy that does not say when it was read
    assert local.get(7) is None


def test_the_oldest_copy_goes_when_the_process_keeps_its_most() -> None:
    local = _live(size=2)
    for user_id in (1, 2, 3):
        local.keep(AccountState(user_id, f"M{user_id}", "member", True, 1), local.epoch, time.time())
    assert [local.get(user_id) is not None for user_id in (1, 2, 3)] == [False, True, True]
