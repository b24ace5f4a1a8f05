"""Passes: signatures and verifications per second, and the time to render a pass PNG.

uv run python -m bench.passes [--count 5000]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from access.passformat import PassClaims, sign_pass, verify_pass
from access.render import PassCard, render_png


def main(count: int) -> None:
    key = Ed25519PrivateKey.generate()
    claims = [PassClaims(uuid.uuid4(), "sidi-bouzid", 1_797_000_000, 1_797_400_000, 4) for _ in range(count)]
    started = time.perf_counter()
    payloads = [sign_pass(c, key, "20261123-1") for c in claims]
    signing = time.perf_counter() - started
    keyring = {"20261123-1": key.public_key()}
    started = time.perf_counter()
    for payload in payloads:
        verify_pass(payload, keyring)
    verifying = time.perf_counter() - started
    renders = []
    for payload in payloads[:50]:
        card = PassCard(
            payload,
            "Asianda — S101",
            "أسياندا",
            "Fatima Bennani",
            "فاطمة بناني",
            "20/12/2026 → 24/12/2026",
            4,
        )
        started = time.perf_counter()
        render_png(card)
        renders.append((time.perf_counter() - started) * 1000)
    print(f"passes of {len(payloads[0])} characters, {count} of each")
    print(f"sign (encode + Ed25519):   {count / signing:9.0f} /s  ({signing / count * 1e6:6.1f} µs each)")
    print(f"verify (decode + Ed25519): {count / verifying:9.0f} /s  ({verifying / count * 1e6:6.1f} µs each)")
    print(
        f"PNG render (QR + ar/fr text): median {statistics.median(renders):.1f} ms, max {max(renders):.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=5000)
    main(parser.parse_args().count)
