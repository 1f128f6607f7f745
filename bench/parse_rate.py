"""Measure how many status events per second parse_callback parses on one core.

Run from the repository root: `.venv/bin/python bench/parse_rate.py [--seconds N]`.
Each case parses the same body again and again for about N seconds per round, and prints the
best of three rounds, so the figure is the parser alone without Django, storage or network.
"""

import argparse
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

# The script lives in bench/, so the repository root is not on sys.path when it runs directly.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from callbacks.parsing import parse_callback  # noqa: E402

BASE_MILLISECONDS = 1_719_835_200_000


def enterprise_batch(size: int) -> list[dict]:
    """Return `size` enterprise events shaped like real traffic (ids as strings, phone mixed)."""
    words = [("SENT", "SENT", "025"), ("DELIVERED", "SUCCESS", "000"), ("READ", "READ", "026"),
             ("FAILED", "UNKNOWN_SUBSCRIBER", "003")]
    events = []
    for number in range(size):
        event_type, cause, code = words[number % len(words)]
        events.append({
            "externalId": f"50123456789{number:08d}-123456789012345678",
            "eventType": event_type,
            "eventTs": BASE_MILLISECONDS + number * 1000,
            "destAddr": f"+9198{number:08d}" if number % 2 else 919800000000 + number,
            "srcAddr": "919811112222",
            "cause": cause,
            "errorCode": code,
            "channel": "WHATSAPP",
            "extra": f"RIID-{number}|CAMP-42",
        })
    return events


def v3_single_status() -> dict:
    return {
        "object": "whatsapp_business_account",
        "gs_app_id": "11111111-2222-3333-4444-555555555555",
        "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "919811112222", "phone_number_id": "2000001"},
            "statuses": [{
                "id": "wamid.HBgMOTE5ODAwMDAwMDAxFQIAERgSMzRBOUU3QjE5RjA1QzJGMEE2AA==",
                "gs_id": "99999999-8888-7777-6666-555555555555",
                "status": "delivered",
                "timestamp": "1719835260",
                "recipient_id": "919800000001",
                "conversation": {"id": "conv-1", "origin": {"type": "marketing"}},
                "pricing": {"billable": True, "pricing_model": "CBP", "category": "marketing"},
            }],
        }}]}],
    }


def measure(body: bytes, seconds: float) -> tuple[float, int]:
    """Return (events per second, events per body) of the best of three rounds."""
    events_per_body = len(parse_callback(body, None, {}, "POST").events)
    best_rate = 0.0
    for _ in range(3):
        bodies = 0
        started = time.perf_counter()
        deadline = started + seconds
        while True:
            for _ in range(100):
                parse_callback(body, None, {}, "POST")
            bodies += 100
            now = time.perf_counter()
            if now >= deadline:
                break
        best_rate = max(best_rate, bodies * events_per_body / (now - started))
    return best_rate, events_per_body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="length of each of the three rounds per case, in seconds")
    arguments = parser.parse_args()

    batch = enterprise_batch(20)
    cases = [
        ("enterprise, 20-event JSON array", json.dumps(batch).encode()),
        ("enterprise, 20 events in form field response",
         urlencode({"response": json.dumps(batch)}).encode()),
        ("v3, single status", json.dumps(v3_single_status()).encode()),
    ]
    for name, body in cases:
        rate, events_per_body = measure(body, arguments.seconds)
        print(f"{name:48} {rate:>10,.0f} events/s  ({rate / events_per_body:,.0f} bodies/s)")


if __name__ == "__main__":
    main()
