"""A centre as a place a family travels to: its amenities by code, and the links that open a phone's map.

No map is embedded (no tiles, no third-party script on the page): a ``geo:`` link opens the phone's own
map app (RFC 5870), and an OpenStreetMap link serves a desktop or a phone without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from kernel.i18n import N_

# The closed list of what a centre can offer, by stable code; the words are the catalogues'.
AMENITIES: dict[str, str] = {
    "beach": N_("Beach on foot"),
    "pool": N_("Swimming pool"),
    "playground": N_("Children's playground"),
    "restaurant": N_("Restaurant"),
    "wifi": N_("Wi-Fi"),
    "parking": N_("Parking"),
    "fireplace": N_("Fireplaces"),
    "heating": N_("Heating"),
    "air_conditioning": N_("Air conditioning"),
    "sports": N_("Sports grounds"),
    "mosque": N_("Prayer room"),
}

# Widths (CSS pixels) a photo is served at: the page offers them as a srcset and the phone picks one.
PHOTO_WIDTHS = (320, 640, 960)
OSM_ZOOM = 15


@dataclass(frozen=True, slots=True)
class MapLinks:
    geo: str
    openstreetmap: str


def map_links(latitude: float | None, longitude: float | None, label: str) -> MapLinks | None:
    """The two links for a point, or None where the centre has no coordinates yet."""
    if latitude is None or longitude is None:
        return None
    lat, lon = f"{latitude:.6f}", f"{longitude:.6f}"
    geo = f"geo:{lat},{lon}?q={lat},{lon}({quote(label)})"
    osm = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map={OSM_ZOOM}/{lat}/{lon}"
    return MapLinks(geo=geo, openstreetmap=osm)


def known_amenities(codes: list[str]) -> list[str]:
    """The codes of the closed list, in its order; anything else is ignored."""
    given = set(codes)
    return [code for code in AMENITIES if code in given]


def photo_width(asked: int | None) -> int:
    """The served width nearest above what was asked (the largest when more is asked)."""
    if asked is None:
        return PHOTO_WIDTHS[1]
    return next((width for width in PHOTO_WIDTHS if width >= asked), PHOTO_WIDTHS[-1])
