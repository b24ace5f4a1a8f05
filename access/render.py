"""The pass as a PNG a member shows from a phone or prints: QR code plus the stay in Arabic and French,
and the booking code a guard types when the gate's camera cannot read the phone
(``access.passformat.booking_code``), large, right under the code.

Arabic is shaped right to left by Pillow's raqm layout (its wheels bundle raqm and FriBiDi) with a font
that has Arabic glyphs: DejaVu Sans from Debian's fonts-dejavu-core, which `make deps` installs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont, features

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"),
)


@dataclass(frozen=True, slots=True)
class PassCard:
    payload: str
    centre_fr: str
    centre_ar: str
    holder_fr: str
    holder_ar: str
    dates: str
    party_size: int
    code: str = ""  # the booking code, XXXX-XXXX


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    for path in FONT_CANDIDATES:
        if path.exists():
            return ImageFont.truetype(str(path), size, layout_engine=layout)
    return ImageFont.load_default(size)


def render_png(card: PassCard) -> bytes:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(card.payload)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    width = max(code.width, 520)
    extra = 140 if card.code else 0
    image = Image.new("RGB", (width, code.height + 230 + extra), "white")
    image.paste(code, ((width - code.width) // 2, 0))
    draw = ImageDraw.Draw(image)
    big, small = _font(26), _font(20)
    y = code.height + 10
    booking_code = (
        [(card.code, _font(44), "ltr"), ("Code de réservation", small, "ltr"), ("رمز الحجز", small, "rtl")]
        if card.code
        else []
    )
    lines = [
        *booking_code,
        (card.centre_fr, big, "ltr"),
        (card.centre_ar, big, "rtl"),
        (f"{card.holder_fr} — {card.party_size} pers.", small, "ltr"),
        (card.holder_ar, small, "rtl"),
        (card.dates, small, "ltr"),
    ]
    for text, font, direction in lines:
        kwargs = {"direction": direction} if features.check("raqm") else {}
        length = draw.textlength(text, font=font, **kwargs)  # type: ignore[arg-type]
        draw.text(((width - length) / 2, y), text, fill="black", font=font, **kwargs)  # type: ignore[arg-type]
        y += max(40, round(font.size * 1.4)) if isinstance(font, ImageFont.FreeTypeFont) else 40
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
