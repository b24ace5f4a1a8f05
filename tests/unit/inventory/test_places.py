"""A centre as a place: the map links and the amenities' closed list."""

from __future__ import annotations

from inventory.domain.places import PHOTO_WIDTHS, known_amenities, map_links, photo_width


def test_a_centre_with_coordinates_has_a_geo_link_and_an_openstreetmap_link() -> None:
    links = map_links(33.5228, -5.1106, "Al Arz")
    assert links is not None
    assert links.geo == "geo:33.522800,-5.110600?q=33.522800,-5.110600(Al%20Arz)"
    assert links.openstreetmap.startswith("https://www.openstreetmap.org/?mlat=33.522800&mlon=-5.110600#map=")


def test_a_centre_without_coordinates_has_no_map_link() -> None:
    assert map_links(None, -5.1, "x") is None


def test_unknown_amenities_are_ignored_and_the_list_keeps_its_own_order() -> None:
    assert known_amenities(["wifi", "jacuzzi", "beach"]) == ["beach", "wifi"]


def test_a_photo_is_served_at_the_nearest_width_above_the_one_asked() -> None:
    assert photo_width(None) == PHOTO_WIDTHS[1]
    assert photo_width(1) == PHOTO_WIDTHS[0]
    assert photo_width(400) == 640
    assert photo_width(5000) == PHOTO_WIDTHS[-1]
