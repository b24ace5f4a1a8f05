"""Where payloads come from: a keyboard-wedge scanner on stdin, image files, a watched folder, a camera.

QR codes in images are read with zxing-cpp, restricted to QR codes (reading every symbology is ten times
slower). A camera is read through OpenCV when it is installed; nothing else here needs it.

An image file is outside input: anyone who can drop a file in the watched folder can drop a 20000×20000
PNG of a few kilobytes that decompresses to 400 million pixels. Its size is read from its header and
checked against ``MAX_IMAGE_PIXELS`` before a single pixel is decoded; a file that is refused, or that
Pillow cannot decode, is ``ImageRefused``: ``scan`` says so (exit 2), ``run`` logs it and goes on.
Only the formats a camera or a phone writes are opened (``IMAGE_FORMATS``): Pillow recognises dozens
more by their first bytes, whatever the file's name, and one of them (EPS) hands the file to Ghostscript.

Standard input is outside input too (a scanner, or whatever is plugged in as a keyboard): it is read as
bytes and decoded here, so that a byte that is not UTF-8 is a refused pass rather than an error that ends
the input under a strict locale, and a line is read only up to ``MAX_LINE_BYTES``.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import zxingcpp
from PIL import Image

logger = logging.getLogger("gateway_agent.inputs")

QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"})
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP")
# A pass is at most 226 characters (access.passformat.MAX_PAYLOAD_LENGTH), a booking code a dozen.
MAX_LINE_BYTES = 4096
# A 12-megapixel phone photo is the largest picture of a pass anyone should send; a gate camera's frame
# is well below. Decoding this many pixels takes a fraction of a second and some 50 MB at most.
MAX_IMAGE_PIXELS = 16_000_000


class NoCodeFound(Exception):
    """The image holds no readable QR code."""


class ImageRefused(NoCodeFound):
    """The file is not an image the gate reads: more pixels than a camera frame (a decompression bomb),
    or not an image Pillow can decode. A kind of :class:`NoCodeFound`: every caller treats both alike."""


def decode_image(image: Any) -> str:
    """The text of the first QR code in a PIL image or a numpy array (grey or BGR)."""
    found = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    if not found:
        raise NoCodeFound("no QR code found")
    return str(found[0].text)


def _bound(size: tuple[int, int]) -> None:
    """Refuse an image by the size its header gives, before any pixel is decoded."""
    width, height = size
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageRefused(
            f"{width}×{height} pixels is more than a camera frame ({MAX_IMAGE_PIXELS:,} at most)"
        )


def decode_file(path: Path) -> str:
    """The text of the first QR code in an image file; ``ImageRefused`` for a file too large to decode
    or that is no image; ``OSError`` for a file that cannot be opened."""
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 megapixels and refuses from 179; the gate's own bound is far lower.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=IMAGE_FORMATS) as image:
                _bound(image.size)
                image.load()
                return decode_image(image)
    except (NoCodeFound, FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except Image.DecompressionBombError as bomb:  # past Pillow's own bound, refused as it opens
        raise ImageRefused(
            f"more than a camera frame ({MAX_IMAGE_PIXELS:,} pixels at most): {bomb}"
        ) from bomb
    # Any other failure is the file's: Pillow's decoders raise OSError, ValueError, SyntaxError,
    # EOFError, struct.error and more on damaged files, and DecompressionBombError past its own bound.
    except Exception as error:
        raise ImageRefused(f"not an image the gate can read ({type(error).__name__}: {error})") from error


def stdin_payloads(stream: IO[str]) -> Iterator[str]:
    """One payload per line, as a keyboard-wedge scanner types them; blank lines are skipped.

    The bytes under a text stream are read and decoded here, not by the locale: a byte that is not
    UTF-8 becomes U+FFFD, so the line is a malformed pass (refused, journaled) and the next one is read.
    A line longer than ``MAX_LINE_BYTES`` is cut there, refused the same way, and the rest of it skipped:
    a scanner stuck on one key (or a file piped in) never fills the memory."""
    source: IO[Any] = getattr(stream, "buffer", stream)
    while line := source.readline(MAX_LINE_BYTES + 1):
        if len(line) > MAX_LINE_BYTES and not _ends_line(line):
            logger.warning("a line of more than %d bytes on stdin: not a pass", MAX_LINE_BYTES)
            rest = line
            while rest and not _ends_line(rest):
                rest = source.readline(MAX_LINE_BYTES)
            line = line[:MAX_LINE_BYTES]
        text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
        payload = text.strip()
        if payload:
            yield payload


def _ends_line(chunk: str | bytes) -> bool:
    if isinstance(chunk, bytes):
        return chunk.endswith(b"\n")
    return chunk.endswith("\n")


def watched_folder(folder: Path, poll_seconds: float = 0.2, stop: Any = None) -> Generator[str, None, None]:
    """Images dropped into ``folder`` (by a camera daemon, say), oldest first.

    Each file is moved to ``folder/done`` *before* it is decided: after a crash it is not scanned a
    second time (a frame is not a person asking twice). Files that hold no code go to ``done`` too.
    """
    done = folder / "done"
    done.mkdir(parents=True, exist_ok=True)
    while stop is None or not stop.is_set():
        batch = sorted(
            (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
            key=lambda p: (p.stat().st_mtime_ns, p.name),
        )
        for path in batch:
            target = done / path.name
            try:
                path.replace(target)
                yield decode_file(target)
            except ImageRefused as refused:
                logger.warning("%s: refused: %s", path.name, refused)
            except NoCodeFound:
                logger.info("%s: no QR code", path.name)
            except OSError as error:  # a half-written or vanished file: skip it, log it
                logger.warning("%s: %s", path.name, error)
        if not batch:
            time.sleep(poll_seconds)


def camera_frames(index: int, stop: Any = None) -> Generator[str, None, None]:
    """Payloads read from camera ``index`` through OpenCV (present on the gate image, not required)."""
    try:
        import cv2  # type: ignore[import-not-found]  # noqa: PLC0415
    except ImportError as missing:
        raise RuntimeError("the camera input needs OpenCV (apt install python3-opencv)") from missing
    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        raise RuntimeError(f"camera {index} cannot be opened")
    try:
        while stop is None or not stop.is_set():
            ok, frame = capture.read()
            if not ok:
                time.sleep(0.05)
                continue
            try:
                yield decode_image(frame)
            except NoCodeFound:
                continue
    finally:
        capture.release()


class Debounce:
    """A camera sees the same code in many frames, and a file dropper may write the same frame twice:
    the same payload within ``seconds`` of its last reading is one scan, not several.

    Only for inputs where a code stays in view. A keyboard-wedge scanner types a line for each
    deliberate scan, and a family shows one pass once per person, one after the other: debouncing
    those lines would drop people the party size admits, with no decision and no journal line.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[str, float] = {}

    def fresh(self, payload: str, now: float | None = None) -> bool:
        now = self._clock() if now is None else now
        last = self._last.get(payload)
        self._last[payload] = now
        if len(self._last) > 1000:  # forget old readings; a gate sees a few hundred passes a day
            self._last = {p: t for p, t in self._last.items() if now - t < self.seconds}
        return last is None or now - last >= self.seconds


def debounced(payloads: Iterable[str], window: Debounce) -> Iterator[str]:
    """``payloads`` without the readings ``window`` says are the same code still in view."""
    return (payload for payload in payloads if window.fresh(payload))
