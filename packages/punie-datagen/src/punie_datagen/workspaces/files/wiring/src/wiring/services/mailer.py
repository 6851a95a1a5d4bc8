"""Sending notifications: an outbox that collects messages, and the mailer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from wiring.injection import Inject
from wiring.services.clock import Clock
from wiring.services.settings import Settings


@dataclass(frozen=True)
class Message:
    sender: str
    to: str
    subject: str
    body: str
    sent_at: datetime


@dataclass
class Outbox:
    """Messages waiting to be delivered; closing it flushes them."""

    pending: list[Message] = field(default_factory=list)
    delivered: list[Message] = field(default_factory=list)
    closed: bool = False

    def put(self, message: Message) -> None:
        if self.closed:
            raise RuntimeError("outbox is closed")
        self.pending.append(message)

    def flush(self) -> int:
        count = len(self.pending)
        self.delivered.extend(self.pending)
        self.pending.clear()
        return count

    def close(self) -> None:
        self.flush()
        self.closed = True


@dataclass
class Mailer:
    settings: Inject[Settings]
    outbox: Inject[Outbox]
    clock: Inject[Clock]
    subject_prefix: str = ""

    def send(self, to: str, subject: str, body: str) -> Message | None:
        """Queue one message; in a dry run nothing is queued and None is returned."""
        if "@" not in to:
            raise ValueError(f"not an address: {to!r}")
        full_subject = f"{self.subject_prefix}{subject}".strip()
        sender = self.settings.sender
        message = Message(sender, to, full_subject, body, self.clock.now())
        if self.settings.dry_run:
            return None
        self.outbox.put(message)
        if len(self.outbox.pending) >= self.settings.batch_size:
            self.outbox.flush()
        return message

    def send_all(self, recipients: list[str], subject: str, body: str) -> int:
        """Send the same message to every distinct recipient; return how many."""
        sent = 0
        for to in dict.fromkeys(recipients):
            if self.send(to, subject, body) is not None:
                sent += 1
        return sent
