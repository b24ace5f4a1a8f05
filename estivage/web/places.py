"""A centre as a place: its page (words, address, arrival and departure times, amenities, photos, map
links) and its photos, resized on the server with Pillow to the width the phone asks for.

The originals are shipped files (``PHOTOS``: the demo centres' are drawn stand-ins); a centre names its
own in ``Centre.photos``, and only those are served. A resized photo is kept in memory (a few widths of a
few photos per centre), so Pillow works once per photo and width per process.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.domain.identity import Identity
from estivage.web.common import language, page
from inventory.domain.places import AMENITIES, PHOTO_WIDTHS, known_amenities, map_links, photo_width
from inventory.models import Centre

PHOTOS = Path(__file__).parent / "photos"
PHOTO_CACHE_SECONDS = 7 * 24 * 3600


async def centre_by_code(session: AsyncSession, code: str) -> Centre:
    centre = await session.scalar(select(Centre).where(Centre.code == code))
    if centre is None:
        raise NotFoundException()
    return centre


def place_context(centre: Centre, lang: str) -> dict[str, Any]:
    """What the centre page and the search's centre card show of a centre."""
    name = centre.name_ar if lang == "ar" else centre.name_fr
    return {
        "centre": centre,
        "centre_name": name,
        "town": (centre.town_ar or centre.town_fr) if lang == "ar" else centre.town_fr,
        "description": (centre.description_ar or centre.description) if lang == "ar" else centre.description,
        "address": (centre.address_ar or centre.address_fr) if lang == "ar" else centre.address_fr,
        "amenities": [AMENITIES[code] for code in known_amenities(centre.amenities)],
        "map": map_links(centre.latitude, centre.longitude, name),
        "photo_widths": PHOTO_WIDTHS,
    }


@functools.lru_cache(maxsize=64)
def resized_photo(name: str, width: int) -> bytes:
    """The photo ``name`` as a JPEG ``width`` pixels wide (never enlarged), its proportions kept."""
    with Image.open(PHOTOS / name) as original:
        image = original.convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=78, optimize=True, progressive=True)
    return out.getvalue()


class PlacePages(Controller):
    path = "/centres"
    include_in_schema = False

    @get("/{code:str}")
    async def centre(
        self,
        request: Request[Identity, Any, Any],
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
    ) -> Template:
        centre = await centre_by_code(db_session, code)
        return page(request, "centre.html", **place_context(centre, language(request)))

    @get("/{code:str}/photos/{name:str}")
    async def photo(
        self,
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
        name: FromPath[str],
        w: FromQuery[int | None] = None,
    ) -> Response[bytes]:
        """``?w=`` the width wanted in pixels; served at the nearest of ``PHOTO_WIDTHS`` above it."""
        centre = await centre_by_code(db_session, code)
        if name not in centre.photos or "/" in name or not (PHOTOS / name).is_file():
            raise NotFoundException()
        return Response(
            resized_photo(name, photo_width(w)),
            media_type="image/jpeg",
            headers={"Cache-Control": f"private, max-age={PHOTO_CACHE_SECONDS}"},
        )
