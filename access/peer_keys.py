"""The secret the gates of one centre prove themselves with to each other over the LAN.

Each enrolled gate receives its centre's keys with its own identity (``GET /api/access/device``) and
signs every message to its peers with the newest (HMAC-SHA256, ``gateway_agent.peers``); a gate of
another centre holds other keys, so its messages are refused. When a gate is revoked its centre gets a
new key; the previous one is still published for ``OVERLAP`` so that gates which have not synced since
keep talking to those which have, then it is dropped and the revoked gate's copy opens nothing.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from access.models import PeerKey

OVERLAP = timedelta(hours=1)


def _new_secret() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


async def _keys(session: AsyncSession, centre_id: int) -> list[PeerKey]:
    return list(
        await session.scalars(
            select(PeerKey).where(PeerKey.centre_id == centre_id).order_by(PeerKey.generation.desc())
        )
    )


async def _add(session: AsyncSession, centre_id: int, generation: int, now: datetime) -> None:
    """A new generation; two requests making the same one at once agree on the first committed."""
    try:
        async with session.begin_nested():
            session.add(
                PeerKey(centre_id=centre_id, generation=generation, secret=_new_secret(), created_at=now)
            )
    except IntegrityError:
        pass  # another request made this generation first: theirs is the key


async def published(session: AsyncSession, centre_id: int, now: datetime) -> list[PeerKey]:
    """The centre's keys gates accept, newest first (the one they sign with); made on first need."""
    keys = await _keys(session, centre_id)
    if not keys:
        await _add(session, centre_id, 1, now)
        keys = await _keys(session, centre_id)
    return [k for k in keys if k.retired_at is None or k.retired_at > now - OVERLAP]


async def rotate(session: AsyncSession, centre_id: int, now: datetime) -> None:
    """A gate of the centre was revoked: a new key, the others retired (published for OVERLAP more)."""
    keys = await _keys(session, centre_id)
    for key in keys:
        key.retired_at = key.retired_at or now
    await _add(session, centre_id, (keys[0].generation if keys else 0) + 1, now)
