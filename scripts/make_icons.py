"""Draw the app icons (home-screen, maskable, Apple touch) into yilian/static/yilian/icons/.

Run once after changing the design: `.venv/bin/python scripts/make_icons.py`. The PNGs are
committed, so nothing is drawn at run time."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "yilian" / "static" / "yilian" / "icons"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
BLUE = (13, 110, 253)  # Bootstrap's primary, the top bar's colour


def draw(size: int, *, safe_zone: float, rounded: bool) -> Image.Image:
    """The characters 医联 in white on blue; ``safe_zone`` is the share of the square the
    text may use (a maskable icon is cropped to a circle of 80 %)."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if rounded:
        pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=BLUE)
    else:
        pen.rectangle((0, 0, size, size), fill=BLUE)
    font = ImageFont.truetype(FONT, int(size * safe_zone / 2.1))
    text = "医联"
    left, top, right, bottom = pen.textbbox((0, 0), text, font=font)
    x = (size - (right - left)) / 2 - left
    y = (size - (bottom - top)) / 2 - top
    pen.text((x, y), text, font=font, fill="white")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, safe_zone=0.8, rounded=True).save(OUT / "icon-192.png", optimize=True)
    draw(512, safe_zone=0.8, rounded=True).save(OUT / "icon-512.png", optimize=True)
    draw(512, safe_zone=0.6, rounded=False).save(OUT / "maskable-512.png", optimize=True)
    draw(180, safe_zone=0.8, rounded=False).convert("RGB").save(
        OUT / "apple-touch-icon.png", optimize=True
    )
    draw(32, safe_zone=0.95, rounded=True).save(OUT / "favicon-32.png", optimize=True)


if __name__ == "__main__":
    main()
