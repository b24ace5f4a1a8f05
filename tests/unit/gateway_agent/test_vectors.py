"""The gate admits each published test vector inside its window and at its centre, from the published
public key alone: the gate side of docs/pass-vectors.json (the server side is tests/unit/access)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from access.passformat import public_key_from_base64url
from gateway_agent.decision import GatePolicy, decide

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[3] / "docs" / "pass-vectors.json").read_text(encoding="utf-8")
)["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_each_vector_opens_its_own_centres_gate_inside_its_window(vector: dict[str, Any]) -> None:
    claims = vector["claims"]
    keys = {vector["kid"]: public_key_from_base64url(vector["public_key"])}
    policy = GatePolicy(centre=claims["centre"], timezone=ZoneInfo("Africa/Casablanca"))
    inside = claims["valid_from"] + 3600
    granted = decide(
        vector["payload"], "in", policy=policy, public_keys=keys, revoked=set(), passback={}, now=inside
    )
    assert (granted.granted, granted.reason, str(granted.pass_id)) == (True, "ok", claims["pass_id"])
    other = GatePolicy(centre="zz-other", timezone=ZoneInfo("Africa/Casablanca"))
    refused = decide(
        vector["payload"], "in", policy=other, public_keys=keys, revoked=set(), passback={}, now=inside
    )
    assert (refused.granted, refused.reason) == (False, "wrong_centre")
