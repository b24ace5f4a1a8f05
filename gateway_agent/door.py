"""The door: what the agent drives once a scan is decided and journaled.

One small interface, two implementations: a log line (this machine, tests, a gate whose lock is driven
by something else watching the output) and a relay on a GPIO pin for production.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

logger = logging.getLogger("gateway_agent.door")


class Door(Protocol):
    def grant(self, reason: str) -> None:
        """Release the lock for the configured time."""

    def refuse(self, reason: str) -> None:
        """Keep it locked (a red light, a buzzer: whatever the hardware has)."""

    def close(self) -> None:
        """Release the hardware."""


class LogDoor:
    """Writes what the door would do. The decision itself is on the agent's standard output."""

    def __init__(self, open_seconds: float = 3.0) -> None:
        self.open_seconds = open_seconds

    def grant(self, reason: str) -> None:
        logger.info("door open for %.1f s (%s)", self.open_seconds, reason)

    def refuse(self, reason: str) -> None:
        logger.info("door stays locked (%s)", reason)

    def close(self) -> None:
        return None


class GpioRelayDoor:
    """A relay on a GPIO pin (gpiozero, present on Raspberry Pi OS), energised while the door is open.

    A new grant while the door is open restarts the timer, so a family walking through one after the
    other is not cut off. The relay is released when the agent stops.

    Each opening is numbered, and a timer locks the door only if its opening is still the latest: a
    timer already firing when a new grant cancels it must not lock the door on the next person.
    """

    def __init__(self, pin: int, open_seconds: float = 3.0, active_high: bool = True) -> None:
        try:
            from gpiozero import OutputDevice  # type: ignore[import-not-found]  # noqa: PLC0415
        except ImportError as missing:
            raise RuntimeError(
                "the gpio door needs gpiozero (apt install python3-gpiozero, or pip install gpiozero)"
            ) from missing
        self.open_seconds = open_seconds
        self._relay: Any = OutputDevice(pin, active_high=active_high, initial_value=False)
        self._timer: threading.Timer | None = None
        self._openings = 0
        self._closed = False
        self._lock = threading.Lock()

    def grant(self, reason: str) -> None:
        with self._lock:
            if self._closed:
                return
            if self._timer is not None:
                self._timer.cancel()
            self._openings += 1
            self._relay.on()
            self._timer = threading.Timer(self.open_seconds, self._lock_again, args=(self._openings,))
            self._timer.daemon = True
            self._timer.start()
        logger.info("relay on for %.1f s (%s)", self.open_seconds, reason)

    def _lock_again(self, opening: int) -> None:
        with self._lock:
            if opening == self._openings and not self._closed:
                self._relay.off()

    def refuse(self, reason: str) -> None:
        logger.info("refused (%s)", reason)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            self._relay.off()
            self._relay.close()
