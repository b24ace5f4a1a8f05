"""The camera (OpenCV) and the door relay (gpiozero), with stand-ins for those two modules: this machine
has no camera and no GPIO pins. The stand-ins behave as the libraries do where the agent relies on them:
a capture yields (ok, BGR frame) pairs and is released; a relay is switched on, off and closed, and a
closed one refuses to switch."""

from __future__ import annotations

import io
import sys
import threading
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from gateway_agent.door import GpioRelayDoor
from gateway_agent.inputs import camera_frames
from gateway_agent.journal import StateStore
from tests.unit.gateway_agent.support import DURING, enrolled_store, issue, qr_image, run_cli

# --- the camera -------------------------------------------------------------------------------------


class BgrFrame:
    """What OpenCV's capture returns: height × width × 3 bytes (a numpy array, read through the same
    array interface)."""

    def __init__(self, image: Image.Image) -> None:
        rgb = image.convert("RGB")
        self._bytes = bytes(rgb.tobytes())  # grey pixels read the same in BGR and RGB
        self.__array_interface__ = {
            "shape": (rgb.height, rgb.width, 3),
            "typestr": "|u1",
            "data": self._bytes,
            "version": 3,
        }


class FakeCapture:
    """cv2.VideoCapture over a list of reads; when they run out the camera is unplugged."""

    def __init__(self, reads: Sequence[tuple[bool, BgrFrame | None]], opens: bool = True) -> None:
        self.reads = iter(reads)
        self.opens = opens
        self.index: int | None = None
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.opens

    def read(self) -> tuple[bool, BgrFrame | None]:
        for found in self.reads:
            return found
        raise RuntimeError("camera unplugged")

    def release(self) -> None:
        self.released = True


def fake_cv2(monkeypatch: pytest.MonkeyPatch, capture: FakeCapture) -> None:
    module = types.ModuleType("cv2")

    def video_capture(index: int) -> FakeCapture:
        capture.index = index
        return capture

    module.VideoCapture = video_capture  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cv2", module)


def frame_of(payload: str) -> tuple[bool, BgrFrame]:
    return True, BgrFrame(qr_image(payload))


EMPTY_FRAME = (True, BgrFrame(Image.new("L", (640, 480), 200)))
NO_FRAME: tuple[bool, None] = (False, None)  # a capture that had nothing ready


def test_camera_frames_are_decoded_into_payloads_and_the_camera_released(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = issue()[1], issue()[1]
    capture = FakeCapture([NO_FRAME, EMPTY_FRAME, frame_of(first), EMPTY_FRAME, frame_of(second)])
    fake_cv2(monkeypatch, capture)
    stream = camera_frames(2)
    assert [next(stream), next(stream)] == [first, second]
    assert capture.index == 2
    stream.close()  # the agent stopping
    assert capture.released


def test_a_camera_that_does_not_open_or_no_opencv_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    capture = FakeCapture([], opens=False)
    fake_cv2(monkeypatch, capture)
    with pytest.raises(RuntimeError, match="camera 0 cannot be opened"):
        next(camera_frames(0))
    monkeypatch.setitem(sys.modules, "cv2", None)  # not installed
    with pytest.raises(RuntimeError, match="needs OpenCV"):
        next(camera_frames(0))


def test_run_decides_a_phone_held_before_the_camera_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    enrolled_store(state).close()
    family, other = issue(party_size=2)[1], issue()[1]
    # A phone in view for four frames, one unreadable (a fraction of a second), another pass, unplugged.
    frames = [frame_of(family), frame_of(family), EMPTY_FRAME, frame_of(family), frame_of(other)]
    capture = FakeCapture(frames)
    fake_cv2(monkeypatch, capture)
    argv = ["--state", str(state), "--now", DURING.isoformat(), "run", "--no-stdin", "--camera", "0"]
    # A repeat window far longer than the test, so the machine's speed cannot change what it sees.
    code, lines = run_cli([*argv, "--repeat-seconds", "3600", "--sync-interval", "0"], capsys)
    assert code == 0
    # The family's pass counted one person, not four (nor refused the third frame as already_inside).
    assert [(line["decision"], line["reason"]) for line in lines] == [("granted", "ok"), ("granted", "ok")]
    assert len(StateStore(state).journal()) == 2
    assert capture.released


# --- the door relay ---------------------------------------------------------------------------------


class FakeOutputDevice:
    """gpiozero.OutputDevice: a pin driven on or off; once closed it refuses to switch."""

    made: list[FakeOutputDevice] = []

    def __init__(self, pin: int, *, active_high: bool = True, initial_value: bool | None = False) -> None:
        self.pin, self.active_high = pin, active_high
        self.is_active = bool(initial_value)
        self.closed = False
        self.made.append(self)

    def on(self) -> None:
        self._switch(on=True)

    def off(self) -> None:
        self._switch(on=False)

    def _switch(self, *, on: bool) -> None:
        if self.closed:
            raise RuntimeError("the device has been closed")  # gpiozero's GPIODeviceClosed
        self.is_active = on

    def close(self) -> None:
        self.closed = True


class FakeTimer:
    """threading.Timer that fires when the test says: no waiting, no timed assertion."""

    made: list[FakeTimer] = []

    def __init__(self, interval: float, function: Callable[..., None], args: Any = None) -> None:
        self.interval, self.function, self.args = interval, function, args or ()
        self.daemon = False
        self.started = self.cancelled = False
        self.made.append(self)

    def start(self) -> None:
        self.started = True

    def cancel(self) -> None:
        self.cancelled = True

    def fire(self) -> None:
        """Run the function, as a timer does when its time is up (or was already running when cancelled)."""
        self.function(*self.args)


@pytest.fixture
def relay(monkeypatch: pytest.MonkeyPatch) -> list[FakeOutputDevice]:
    module = types.ModuleType("gpiozero")
    module.OutputDevice = FakeOutputDevice  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gpiozero", module)
    monkeypatch.setattr(threading, "Timer", FakeTimer)
    FakeOutputDevice.made, FakeTimer.made = [], []
    return FakeOutputDevice.made


def test_the_relay_opens_for_the_configured_time_then_locks(relay: list[FakeOutputDevice]) -> None:
    door = GpioRelayDoor(17, open_seconds=4.5)
    [device] = relay
    assert (device.pin, device.active_high, device.is_active) == (17, True, False)
    door.grant("ok")
    [timer] = FakeTimer.made
    assert device.is_active
    assert (timer.interval, timer.started, timer.daemon) == (4.5, True, True)
    timer.fire()
    assert not device.is_active
    door.refuse("revoked")
    assert not device.is_active
    door.close()
    assert device.closed


def test_a_grant_while_open_restarts_the_time_and_the_older_timer_never_locks_it(
    relay: list[FakeOutputDevice],
) -> None:
    door = GpioRelayDoor(17, open_seconds=3)
    [device] = relay
    door.grant("ok")
    door.grant("ok")  # the next person of the family, while the door is still open
    first, second = FakeTimer.made
    assert (first.cancelled, second.started, second.interval) == (True, True, 3)
    first.fire()  # it was already running when cancelled
    assert device.is_active
    second.fire()
    assert not device.is_active


def test_stopping_the_agent_locks_and_releases_the_relay_even_while_open(
    relay: list[FakeOutputDevice],
) -> None:
    door = GpioRelayDoor(17, open_seconds=3)
    [device] = relay
    door.grant("ok")
    door.close()
    [timer] = FakeTimer.made
    assert (device.is_active, device.closed, timer.cancelled) == (False, True, True)
    timer.fire()  # a late timer finds the relay released: nothing switches, nothing raises
    door.close()  # closing twice (a signal, then the end of the loop) is harmless


def test_run_with_a_gpio_door_but_no_gpiozero_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    enrolled_store(state).close()
    monkeypatch.setitem(sys.modules, "gpiozero", None)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = run_cli(["--state", str(state), "run", "--door", "gpio", "--gpio-pin", "17"], capsys)
    assert code == (2, [])
