#!/usr/bin/env python
"""Post realistic Gupshup delivery-report callbacks to a callback URL, for demos and soak runs.

Each simulated message goes through SENT, then usually SUCCESS and often READ, or fails as
UNKNOWN_SUBSCRIBER, DEFERRED or OTHER. Events are posted in every encoding Gupshup uses: the
enterprise format as a JSON array, as {"response": [...]}, as a form field `response` and as GET
query parameters, plus the v2 `message-event` and v3 Meta-shaped envelopes. Batches are
shuffled (out-of-order events), about one event in twenty is sent twice (duplicates), and a
health check is sent now and then.

Usage: gupshup_traffic.py [CALLBACK_URL] [--rate MESSAGES_PER_SECOND] [--duration SECONDS]
The URL may come from the environment variable DLR_TRAFFIC_URL instead, which keeps the
client's secret token out of the process list.
"""
import argparse
import json
import logging
import os
import random
import signal
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests

logger = logging.getLogger("gupshup_traffic")

SENDERS = ("919800000001", "919800000002", "RETAILCO")
ENTERPRISE_OUTCOMES = (
    # (weight, final event type, cause, error code)
    (55, "READ", "READ", "026"),
    (20, "DELIVERED", "SUCCESS", "000"),
    (8, "SENT", "SENT", "025"),
    (7, "FAILED", "UNKNOWN_SUBSCRIBER", "003"),
    (5, "FAILED", "DEFERED", "005"),
    (5, "FAILED", " BLOCKED_FOR_USER", "010"),
)


@dataclass
class SimulatedMessage:
    style: str                      # "enterprise", "v2" or "v3"
    message_id: str
    wa_id: str
    phone: str
    sender: str
    extra: str
    events: list = field(default_factory=list)   # (due monotonic time, payload kind, data)


def _enterprise_id(rng: random.Random) -> str:
    return f"{rng.randrange(10**18, 10**19)}-{rng.randrange(10**17, 10**18)}"


def _plan_message(rng: random.Random, now: float, sequence: int) -> SimulatedMessage:
    style = rng.choices(("enterprise", "v2", "v3"), weights=(70, 15, 15))[0]
    phone = f"91{rng.randrange(7000000000, 9999999999)}"
    message = SimulatedMessage(
        style=style,
        message_id=_enterprise_id(rng) if style == "enterprise" else str(uuid.UUID(int=rng.getrandbits(128))),
        wa_id=f"wamid.DEMO{sequence:012d}{rng.randrange(10**6):06d}",
        phone=phone, sender=rng.choice(SENDERS),
        extra=f"RIID-{rng.randrange(10**6):06d}|CAMP-{rng.randrange(1, 6)}",
    )
    weights = [weight for weight, *_ in ENTERPRISE_OUTCOMES]
    _weight, final, cause, code = rng.choices(ENTERPRISE_OUTCOMES, weights=weights)[0]
    steps = [("SENT", "SENT", "025")]
    if final in ("DELIVERED", "READ"):
        steps.append(("DELIVERED", "SUCCESS", "000"))
    if final == "READ":
        steps.append(("READ", "READ", "026"))
    if final == "FAILED":
        steps = [("FAILED", cause, code)] if cause.strip() == "DEFERED" else steps + [("FAILED", cause, code)]
    due = now
    for event_type, event_cause, event_code in steps:
        due += rng.uniform(0.5, 8.0)
        message.events.append((due, event_type, event_cause, event_code))
    return message


def _enterprise_event(message, event_type, cause, code, event_ms, rng):
    destination = rng.choice((message.phone, f"+{message.phone}", int(message.phone)))
    return {"externalId": message.message_id, "eventType": event_type, "eventTs": event_ms,
            "destAddr": destination, "srcAddr": message.sender, "cause": cause,
            "errorCode": code, "channel": "WHATSAPP", "extra": message.extra}


_V2_TYPES = {"SENT": "sent", "DELIVERED": "delivered", "READ": "read", "FAILED": "failed"}
_FAILURE_CODES = {"UNKNOWN_SUBSCRIBER": 1002, "DEFERED": 1003, " BLOCKED_FOR_USER": 131049}


def _v2_body(message, event_type, cause, event_ms):
    kind = _V2_TYPES[event_type]
    inner = {"ts": event_ms // 1000}
    if kind == "failed":
        code = _FAILURE_CODES.get(cause, 131000)
        inner = {"code": code, "reason": "Demo failure"}
        if code == 1003:
            # A failure before WhatsApp: Gupshup reports it under its own id, without gsId.
            payload = {"id": message.message_id, "type": "failed", "destination": message.phone,
                       "payload": inner}
            return {"app": "DemoApp", "timestamp": event_ms, "version": 2,
                    "type": "message-event", "payload": payload}
    payload = {"id": message.wa_id, "gsId": message.message_id, "type": kind,
               "destination": message.phone, "payload": inner}
    return {"app": "DemoApp", "timestamp": event_ms, "version": 2, "type": "message-event",
            "payload": payload}


def _v3_body(message, event_type, cause, event_ms):
    status = {"id": message.wa_id, "gs_id": message.message_id,
              "status": _V2_TYPES[event_type], "timestamp": str(event_ms // 1000),
              "recipient_id": message.phone}
    if event_type == "FAILED":
        status["errors"] = [{"code": _FAILURE_CODES.get(cause, 131000), "title": "Demo failure"}]
    return {"object": "whatsapp_business_account", "gs_app_id": "demo-app",
            "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": message.sender, "phone_number_id": "1"},
                "statuses": [status]}}]}]}


HEALTH_CHECK = {"object": "whatsapp_business_account", "gs_app_id": "demo-app",
                "entry": [{"id": "100000000000001", "time": 0, "changes": [
                    {"field": "platform-event",
                     "value": {"type": "connectivity-check", "initiator": "gupshup"}}]}]}


class TrafficGenerator:
    def __init__(self, url: str, rate: float, seed: int | None = None):
        self.url = url
        self.rate = rate
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.pending: list[SimulatedMessage] = []
        self.sequence = 0
        self.counts = {"requests": 0, "events": 0, "errors": 0}

    def step(self, now: float) -> None:
        for _ in range(self._new_message_count()):
            self.sequence += 1
            self.pending.append(_plan_message(self.rng, now, self.sequence))

        enterprise, others = [], []
        for message in self.pending:
            while message.events and message.events[0][0] <= now:
                _due, event_type, cause, code = message.events.pop(0)
                event_ms = int(time.time() * 1000) - self.rng.randrange(0, 3000)
                if message.style == "enterprise":
                    enterprise.append(_enterprise_event(message, event_type, cause, code,
                                                        event_ms, self.rng))
                elif message.style == "v2":
                    others.append(_v2_body(message, event_type, cause, event_ms))
                else:
                    others.append(_v3_body(message, event_type, cause, event_ms))
        self.pending = [message for message in self.pending if message.events]

        # Duplicates: Gupshup repeats itself.
        enterprise += [event for event in enterprise if self.rng.random() < 0.05]
        others += [body for body in others if self.rng.random() < 0.05]
        self.rng.shuffle(enterprise)
        for start in range(0, len(enterprise), 20):
            self._post_enterprise(enterprise[start:start + 20])
        for body in others:
            self._post(data=json.dumps(body), headers={"Content-Type": "application/json"},
                       events=1)
        if self.rng.random() < 0.02:
            self._post(data=json.dumps(HEALTH_CHECK), headers={}, events=0)

    def _new_message_count(self) -> int:
        whole = int(self.rate)
        return whole + (1 if self.rng.random() < self.rate - whole else 0)

    def _post_enterprise(self, batch: list[dict]) -> None:
        encoding = self.rng.choice(("array", "wrapped", "form", "get"))
        text = json.dumps(batch)
        if encoding == "array":
            self._post(data=text, headers={"Content-Type": "application/json"}, events=len(batch))
        elif encoding == "wrapped":
            self._post(data=json.dumps({"response": batch}), headers={}, events=len(batch))
        elif encoding == "form":
            self._post(data={"response": text}, headers={}, events=len(batch))
        else:
            for event in batch:
                query = {"externalId": event["externalId"], "deliveredTS": event["eventTs"],
                         "status": "SUCCESS" if event["eventType"] in ("DELIVERED", "READ") else
                         ("FAILURE" if event["eventType"] == "FAILED" else "UNKNOWN"),
                         "cause": event["cause"], "phoneNo": str(event["destAddr"]).lstrip("+"),
                         "errCode": event["errorCode"], "noOfFrags": 1}
                if event["eventType"] == "SENT":
                    # The GET encoding reports final statuses only; send SENT as JSON instead.
                    self._post(data=json.dumps([event]), headers={}, events=1)
                    continue
                self._get(urlencode(query))

    def _post(self, data, headers, events: int) -> None:
        self._send(lambda: self.session.post(self.url, data=data, headers=headers, timeout=10),
                   events)

    def _get(self, query: str) -> None:
        self._send(lambda: self.session.get(f"{self.url}?{query}", timeout=10), 1)

    def _send(self, call, events: int) -> None:
        try:
            response = call()
        except requests.RequestException as error:
            self.counts["errors"] += 1
            logger.warning("callback request failed: %s", type(error).__name__)
            return
        self.counts["requests"] += 1
        self.counts["events"] += events
        if response.status_code != 200:
            self.counts["errors"] += 1
            logger.warning("callback request failed with HTTP %s", response.status_code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=os.environ.get("DLR_TRAFFIC_URL"),
                        help="the client's full callback URL (default: $DLR_TRAFFIC_URL)")
    parser.add_argument("--rate", type=float, default=5.0, help="new messages per second")
    parser.add_argument("--duration", type=float, default=0.0,
                        help="seconds to run; 0 runs until stopped")
    parser.add_argument("--seed", type=int, default=None, help="random seed for a repeatable run")
    args = parser.parse_args()
    if not args.url:
        parser.error("give the callback URL as an argument or in DLR_TRAFFIC_URL")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    generator = TrafficGenerator(args.url, args.rate, args.seed)
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    started = time.monotonic()
    last_report = started
    logger.info("traffic generator started: %.1f new messages per second", args.rate)
    while not stopping and (not args.duration or time.monotonic() - started < args.duration):
        generator.step(time.monotonic())
        now = time.monotonic()
        if now - last_report >= 30:
            logger.info("traffic so far: %(requests)s requests, %(events)s events, "
                        "%(errors)s errors", generator.counts)
            last_report = now
        time.sleep(1.0)
    logger.info("traffic generator stopped: %(requests)s requests, %(events)s events, "
                "%(errors)s errors", generator.counts)


if __name__ == "__main__":
    main()
