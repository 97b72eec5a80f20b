"""«Офисы на карте» (seed 004) drawn by Kabinet itself: the offices' coordinates projected into
an SVG, so the page needs no map tiles and no third-party script. Each office also links to
OpenStreetMap and Yandex Maps for the streets around it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from kabinet.support.models import SupportContact

WIDTH, HEIGHT, PADDING = 640, 360, 40


@dataclass(frozen=True)
class Marker:
    number: int
    office: SupportContact
    x: float
    y: float

    @property
    def osm_url(self) -> str:
        lat, lon = self.office.latitude, self.office.longitude
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"

    @property
    def yandex_url(self) -> str:
        lat, lon = self.office.latitude, self.office.longitude
        return f"https://yandex.ru/maps/?pt={lon},{lat}&z=17&l=map"


@dataclass(frozen=True)
class OfficeMap:
    markers: list[Marker]
    width: int = WIDTH
    height: int = HEIGHT


def office_map(offices: list[SupportContact]) -> OfficeMap:
    """The offices with coordinates as markers numbered in list order. An equirectangular
    projection with longitudes shrunk by cos(latitude) keeps a town's shape; the markers fill
    the frame whatever the spread, and a single office sits in the middle."""
    placed = [o for o in offices if o.latitude is not None and o.longitude is not None]
    if not placed:
        return OfficeMap(markers=[])
    lats = [float(o.latitude or Decimal(0)) for o in placed]
    mid = math.cos(math.radians(sum(lats) / len(lats)))
    xs = [float(o.longitude or Decimal(0)) * mid for o in placed]
    ys = [-lat for lat in lats]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = min(WIDTH - 2 * PADDING, HEIGHT - 2 * PADDING) / span
    # Centre the cloud of points in the frame.
    dx = (WIDTH - (max(xs) - min(xs)) * scale) / 2
    dy = (HEIGHT - (max(ys) - min(ys)) * scale) / 2
    markers = [
        Marker(
            number=n,
            office=office,
            x=round(dx + (x - min(xs)) * scale, 1),
            y=round(dy + (y - min(ys)) * scale, 1),
        )
        for n, (office, x, y) in enumerate(zip(placed, xs, ys, strict=True), start=1)
    ]
    return OfficeMap(markers=markers)
