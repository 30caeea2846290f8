"""Delivering the messages a request queued (`cases.messages`) once its transaction has committed.

The pages call `request.app.state.deliver_messages()` after a commit that may have queued messages
(assignment, 督办单, feedback). By default the delivery runs on a daemon thread, so a slow or
unreachable channel never holds up the page; its retries and outcome land in the delivery log.
Tests make it synchronous (`background=False`) to read the log right after the request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from cases import messages
from cases.channels import senders as default_senders

log = logging.getLogger("api.messaging")


class Deliverer:
    def __init__(self, engine: Engine, *, senders: Mapping[str, messages.MessageSender] | None = None,
                 background: bool = True, sleep: Callable[[float], None] | None = None) -> None:
        self.engine = engine
        self.senders = dict(senders) if senders is not None else default_senders()
        self.background = background
        self.sleep = sleep
        self._lock = threading.Lock()

    def run(self) -> messages.DeliveryRun:
        with self._lock, Session(self.engine, expire_on_commit=False) as session:
            return messages.deliver_pending(session, self.senders, now=lambda: datetime.now(UTC),
                                            sleep=self.sleep or time.sleep)

    def _safe_run(self) -> None:
        try:
            self.run()
        except Exception:  # noqa: BLE001 — a delivery failure must not end the thread silently
            log.exception("message delivery failed")

    def __call__(self) -> None:
        if self.background:
            threading.Thread(target=self._safe_run, name="message-delivery", daemon=True).start()
        else:
            self._safe_run()
