"""`gateway-agent`: the program on the small computer at a centre's entrance (see CONTRACT.md).

    gateway-agent --state DIR enroll --server URL --token TOKEN
    gateway-agent --state DIR sync
    gateway-agent --state DIR scan [--direction in|out] PAYLOAD | --image FILE
    gateway-agent --state DIR lookup [--direction in|out] CODE
    gateway-agent --state DIR override --reason TEXT (--code CODE | PAYLOAD)
    gateway-agent --state DIR run [--direction in|out] [--watch DIR] [--camera N] [--no-stdin]
                                  [--listen HOST:PORT] [--peer URL ...]
    gateway-agent --state DIR status

Decisions are JSON lines on standard output; logs go to standard error. `scan`, `lookup` and
`override` exit 0 when granted, 1 when denied, 2 on a usage error (bad arguments, a gate not enrolled,
an image without a code or refused, an override without its reason).
`enroll` exits 1 when the server cannot say who the token is (nothing stored), and 0 once the identity
is stored, even if the first sync then fails (its line says `"synced": false`, as `sync` does offline).

argparse rather than click: the gate installs as little as possible, and the standard library's parser
does all this command line needs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway_agent import desk, roster, runner
from gateway_agent.door import Door, GpioRelayDoor, LogDoor
from gateway_agent.gate import Clock, Gate, policy_for
from gateway_agent.inputs import NoCodeFound, decode_file
from gateway_agent.journal import StateStore
from gateway_agent.sync import SyncFailed, agent_version, fetch_identity, peer_settings, sync_once

logger = logging.getLogger("gateway_agent")

GRANTED, DENIED, USAGE = 0, 1, 2


class UsageError(Exception):
    """Something the operator must fix; exit 2."""


def _emit(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _complain(message: str) -> None:
    """An operator's error, said once on stderr in argparse's style (no traceback: nothing crashed)."""
    sys.stderr.write(f"gateway-agent: error: {message}\n")


def _clock(now: str | None) -> Clock:
    """The real clock, or one set to ``--now`` and running from there (drills, replays, tests)."""
    if now is None:
        return time.time
    try:
        start = datetime.fromisoformat(now)
    except ValueError as error:
        raise UsageError(f"--now must be an ISO 8601 instant: {error}") from error
    if start.utcoffset() is None:
        raise UsageError("--now needs an offset, e.g. 2026-12-20T18:00:00+01:00")
    offset = start.timestamp() - time.time()
    return lambda: time.time() + offset


def _open_gate(args: argparse.Namespace, store: StateStore, door: Door) -> Gate:
    identity = store.identity()
    if identity is None:
        raise UsageError("this gate is not enrolled: run `gateway-agent enroll --server URL --token TOKEN`")
    return Gate(store, policy_for(store, identity), door, _clock(args.now))


def cmd_enroll(args: argparse.Namespace, store: StateStore) -> int:
    if args.reset_hour != "none" and not (args.reset_hour.isdigit() and 0 <= int(args.reset_hour) <= 23):
        raise UsageError("--reset-hour must be 0..23 or none")
    try:
        identity, me = fetch_identity(args.server, args.token)
    except SyncFailed as failure:
        # Enrolment must reach the server: the token alone does not say which centre this gate guards.
        _complain(f"enrolment failed: {failure}")
        return DENIED
    store.set_settings(
        {
            "server": identity.server,
            "token": identity.token,
            "device_id": identity.device_id,
            "centre": identity.centre,
            "time_zone": identity.time_zone,
            "grace_seconds": str(int(args.grace_minutes * 60)),
            "daily_reset_hour": args.reset_hour,
            **peer_settings(me),
        }
    )
    enrolled = {"enrolled": identity.device_id, "centre": identity.centre}
    try:
        report = sync_once(store, _clock(args.now))
    except SyncFailed as failure:
        # The identity is stored: the gate is enrolled, and `sync` or `run`'s timer fetches the keys
        # later. Until then it refuses every pass (`unknown_key`), so the operator is told loudly.
        logger.warning("enrolled, but the first sync failed (run `gateway-agent sync`): %s", failure)
        _emit({**enrolled, "synced": False, "error": str(failure), **store.counts()})
        return GRANTED
    _emit({**enrolled, "synced": True, **report.as_json(), **store.counts()})
    return GRANTED


def cmd_sync(args: argparse.Namespace, store: StateStore) -> int:
    if store.identity() is None:
        raise UsageError("this gate is not enrolled: run `gateway-agent enroll --server URL --token TOKEN`")
    try:
        report = sync_once(store, _clock(args.now))
    except SyncFailed as failure:
        # Offline is the normal state of a gate now and then: a warning, not a failure.
        logger.warning("sync failed, will retry later: %s", failure)
        _emit({"synced": False, "error": str(failure), **store.counts()})
        return GRANTED
    _emit({"synced": True, **report.as_json(), **store.counts()})
    return GRANTED


def cmd_scan(args: argparse.Namespace, store: StateStore) -> int:
    if (args.payload is None) == (args.image is None):
        raise UsageError("give either a PAYLOAD or --image FILE")
    payload = args.payload
    if args.image is not None:
        try:
            payload = decode_file(Path(args.image))
        except NoCodeFound as none:  # no code, or an image refused (too many pixels, not an image)
            raise UsageError(f"{args.image}: {none}") from none
        except OSError as error:
            raise UsageError(f"{args.image}: {error}") from error
    gate = _open_gate(args, store, LogDoor())
    return _decided(desk.describe(gate, gate.scan(payload, args.direction)))


def _decided(line: dict[str, Any]) -> int:
    _emit(line)
    return GRANTED if line["decision"] == "granted" else DENIED


def cmd_lookup(args: argparse.Namespace, store: StateStore) -> int:
    gate = _open_gate(args, store, LogDoor())
    return _decided(desk.lookup(gate, args.code, args.direction))


def cmd_override(args: argparse.Namespace, store: StateStore) -> int:
    gate = _open_gate(args, store, LogDoor())
    try:
        return _decided(desk.override(gate, args.reason, code=args.code, payload=args.payload))
    except desk.DeskError as error:
        raise UsageError(str(error)) from error


def cmd_status(_args: argparse.Namespace, store: StateStore) -> int:
    identity = store.identity()
    peers = store.rows("SELECT url, device_id, last_ok_at, last_error FROM peers ORDER BY url")
    _emit(
        {
            "enrolled": identity is not None,
            "device_id": identity.device_id if identity else None,
            "centre": identity.centre if identity else None,
            "server": identity.server if identity else None,
            "version": agent_version(),
            "last_sync_at": store.setting("last_sync_at"),
            "clock_offset_seconds": store.setting("clock_offset_seconds"),
            **store.counts(),
            "merged": store.merged_count(),
            "roster": roster.count(store),
            "listening": store.setting("peer_listen"),
            "peers": [
                {"url": url, "device_id": device, "last_ok_at": ok, "last_error": error}
                for url, device, ok, error in peers
            ],
        }
    )
    return GRANTED


def _door(args: argparse.Namespace) -> Door:
    if args.door == "gpio":
        if args.gpio_pin is None:
            raise UsageError("--door gpio needs --gpio-pin")
        try:
            return GpioRelayDoor(args.gpio_pin, args.open_seconds)
        except RuntimeError as error:
            raise UsageError(str(error)) from error
    return LogDoor(args.open_seconds)


def cmd_run(args: argparse.Namespace, store: StateStore) -> int:
    try:
        listen = None if args.listen is None else runner.listen_address(args.listen)
    except ValueError as error:
        raise UsageError(str(error)) from error
    door = _door(args)
    gate = _open_gate(args, store, door)
    options = runner.RunOptions(
        state=Path(args.state),
        durability=args.durability,
        direction=args.direction,
        stdin=sys.stdin if args.stdin else None,
        watch=None if args.watch is None else Path(args.watch),
        camera=args.camera,
        repeat_seconds=args.repeat_seconds,
        sync_interval=args.sync_interval,
        listen=listen,
        peers=list(args.peer),
        peer_interval=args.peer_interval,
    )
    try:
        runner.run(gate, options, gate.clock, _emit)
    except ValueError as error:
        raise UsageError(str(error)) from error
    return GRANTED


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="gateway-agent", description="Decide passes at a centre's gate.")
    main.add_argument(
        "--state",
        default=os.environ.get("GATEWAY_AGENT_STATE"),
        help="state directory: identity, keys, revocations, anti-passback and the scan journal"
        " (default $GATEWAY_AGENT_STATE)",
    )
    main.add_argument(
        "--durability",
        choices=("full", "normal"),
        default="full",
        help="full: every scan survives a power cut (one fsync each); normal: survives a crash only",
    )
    main.add_argument("--now", help="decide as if the clock read this ISO instant (drills, replays, tests)")
    main.add_argument("-v", "--verbose", action="store_true", help="log each door action and sync")
    commands = main.add_subparsers(dest="command", required=True)

    enroll = commands.add_parser("enroll", help="store this gate's identity and do a first sync")
    enroll.add_argument(
        "--server", required=True, help="the service's base URL, e.g. https://estivage.example"
    )
    enroll.add_argument(
        "--token", required=True, help="the device token staff received when enrolling the gate"
    )
    enroll.add_argument("--grace-minutes", type=float, default=15, help="clock-skew grace on pass windows")
    enroll.add_argument(
        "--reset-hour", default="4", help="local hour the anti-passback counts clear, or none"
    )
    enroll.set_defaults(handler=cmd_enroll)

    commands.add_parser("sync", help="pull keys and revocations, push the journal").set_defaults(
        handler=cmd_sync
    )
    commands.add_parser("status", help="identity and counts").set_defaults(handler=cmd_status)

    scan = commands.add_parser("scan", help="decide one pass")
    scan.add_argument("--direction", choices=("in", "out"), default="in")
    scan.add_argument("--image", help="an image file holding the QR code")
    scan.add_argument("payload", nargs="?", help="the pass text, EST:...")
    scan.set_defaults(handler=cmd_scan)

    lookup = commands.add_parser("lookup", help="decide for a booking by the code printed on its pass")
    lookup.add_argument("--direction", choices=("in", "out"), default="in")
    lookup.add_argument("code", help="the booking code, e.g. CA2F-DA8F")
    lookup.set_defaults(handler=cmd_lookup)

    override = commands.add_parser("override", help="let a booking's holder in whatever the rules say")
    override.add_argument("--reason", required=True, help="why (journaled, shown to the manager)")
    override.add_argument("--code", help="the booking code")
    override.add_argument("payload", nargs="?", help="or the pass text, EST:...")
    override.set_defaults(handler=cmd_override)

    run = commands.add_parser("run", help="decide passes as they come, drive the door, sync on a timer")
    run.add_argument("--direction", choices=("in", "out"), default="in")
    run.add_argument("--no-stdin", dest="stdin", action="store_false", help="do not read payloads from stdin")
    run.add_argument("--watch", help="a folder where image files are dropped")
    run.add_argument("--camera", type=int, help="a camera index (needs OpenCV)")
    run.add_argument("--sync-interval", type=float, default=60.0, help="seconds between syncs (0: never)")
    run.add_argument("--door", choices=("log", "gpio"), default="log")
    run.add_argument("--gpio-pin", type=int, help="BCM pin number of the door relay")
    run.add_argument("--open-seconds", type=float, default=3.0)
    run.add_argument("--listen", help="HOST:PORT where the other gates of the centre reach this one")
    run.add_argument(
        "--peer", action="append", default=[], help="another gate of the centre, http://HOST:PORT (repeat)"
    )
    run.add_argument(
        "--peer-interval", type=float, default=2.0, help="seconds between exchanges with an idle peer"
    )
    run.add_argument(
        "--repeat-seconds",
        type=float,
        default=3.0,
        help="camera and watched folder: the same code read again within this is one scan (not stdin)",
    )
    run.set_defaults(handler=cmd_run)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose or args.command == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.state:
        _complain("--state DIR is required (or set GATEWAY_AGENT_STATE)")
        return USAGE
    store = StateStore(Path(args.state), args.durability)
    try:
        return int(args.handler(args, store))
    except UsageError as error:
        _complain(str(error))
        return USAGE
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
