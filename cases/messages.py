"""Messages that reach people: 企业微信 and 钉钉 group robots and an SMS gateway, configured per department.

One port (`MessageSender`), one adapter per channel kind (`cases.channels`). A message is queued in
the transaction that caused it (`queue`: one `message_delivery` row per active channel of the
department) and delivered after the commit (`deliver_pending`), with retries; every attempt's outcome
stays in the delivery log.

What a message may say is fixed here: the case number, the step and its due date, the unit — never
the complainant (举报人信息依法保密, docs/penalty-law.md); `compose` refuses text that carries a
mobile number or an identity-card number, whatever the caller put in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from cases.enums import Labeled
from cases.errors import ValidationFailed
from cases.models import MessageChannel, MessageDelivery, key


class ChannelKind(Labeled):
    WECOM = ("wecom", "企业微信群机器人")
    DINGTALK = ("dingtalk", "钉钉群机器人")
    SMS = ("sms", "短信网关")


class Topic(Labeled):
    ASSIGNED = ("assigned", "案件分派")
    DUE_SOON = ("due_soon", "即将到期")
    OVERDUE = ("overdue", "逾期督办")
    SUPERVISION = ("supervision", "督办单")
    FEEDBACK = ("feedback", "督办反馈")
    REVIEW = ("review", "法制审核")


class DeliveryFailed(Exception):
    """A channel did not accept the message (the reason is kept in the delivery log)."""


@dataclass(frozen=True)
class Channel:
    """A channel as an adapter needs it (the row's values, no database)."""

    kind: str
    url: str
    secret: str = ""
    recipients: tuple[str, ...] = ()


class MessageSender(Protocol):
    """Delivers one text to one channel; raises `DeliveryFailed` when the channel refuses it."""

    def send(self, channel: Channel, text: str, *, now: datetime) -> None: ...


MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 2.0)  # pauses between the attempts of one delivery run
MAX_TEXT = 500
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PREFIX = "【双减执法】"


def compose(*parts: str) -> str:
    """The text of a message; refuses anything that looks like personal data of a complainant."""
    text = PREFIX + "".join(parts)
    if _PHONE.search(text) or _ID_CARD.search(text):
        raise ValidationFailed("消息中不得含有手机号码或身份证号码（举报人信息依法保密）", code="message_personal_data")
    return text[:MAX_TEXT]


def cn_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def assigned_text(case_number: str, lead: str, team: Sequence[str], due: date | None, step: str = "") -> str:
    others = "、".join(n for n in team if n != lead)
    tail = f"，{step}期限{cn_day(due)}" if due else ""
    return compose(f"案件{case_number}已分派：承办人{lead}", f"，协办人{others}" if others else "", tail, "。")


def supervision_text(number: str, case_number: str, from_unit: str, due: date) -> str:
    return compose(f"{from_unit}督办单{number}：请于{cn_day(due)}前办结案件{case_number}并反馈。")


def feedback_text(number: str, case_number: str, unit: str) -> str:
    return compose(f"{unit}已反馈督办单{number}（案件{case_number}）。")


def review_text(case_number: str, due: date | None) -> str:
    tail = f"，决定期限{cn_day(due)}" if due else ""
    return compose(f"案件{case_number}待法制审核{tail}。")


_ACTIVE_CHANNELS = (select(MessageChannel).where(MessageChannel.department_id == bindparam("department_id"),
                                                col(MessageChannel.active)).order_by(col(MessageChannel.id)))


def _channels(session: Session, department_id: int) -> list[MessageChannel]:
    cache: dict[int, list[MessageChannel]] = session.info.setdefault("message_channels", {})
    if department_id not in cache:
        cache[department_id] = list(session.exec(_ACTIVE_CHANNELS, params={"department_id": department_id}).all())
    return cache[department_id]


def queue(session: Session, *, department_id: int, topic: Topic, text: str, now: datetime,
          case_id: int | None = None) -> list[MessageDelivery]:
    """One pending delivery per active channel of the department, in the caller's transaction."""
    rows = [MessageDelivery(channel_id=key(ch), department_id=department_id, case_id=case_id, topic=topic.value,
                            text=text[:MAX_TEXT], created_at=now) for ch in _channels(session, department_id)]
    session.add_all(rows)
    return rows


def channel_of(row: MessageChannel) -> Channel:
    return Channel(row.kind, row.url, row.secret, tuple(row.recipients or ()))


@dataclass
class DeliveryRun:
    sent: int = 0
    failed: int = 0  # gave up (MAX_ATTEMPTS reached)
    retried: int = 0  # attempts that failed and were tried again


def deliver_pending(session: Session, senders: Mapping[str, MessageSender], *, now: Callable[[], datetime],
                    sleep: Callable[[float], None] = time.sleep, limit: int = 200,
                    department_ids: Sequence[int] | None = None) -> DeliveryRun:
    """Send the pending deliveries (oldest first), each up to `MAX_ATTEMPTS` times in all; commits
    after each one, so a crash loses no log entry and a later run picks up what is left."""
    run = DeliveryRun()
    query = (select(MessageDelivery, MessageChannel)
             .join(MessageChannel, col(MessageChannel.id) == col(MessageDelivery.channel_id))
             .where(MessageDelivery.state == "pending"))
    if department_ids is not None:
        query = query.where(col(MessageDelivery.department_id).in_(list(department_ids)))
    rows = session.exec(query.order_by(col(MessageDelivery.id)).limit(limit)).all()
    for delivery, channel_row in rows:
        sender = senders.get(channel_row.kind)
        while delivery.state == "pending":
            delivery.attempts += 1
            try:
                if sender is None:
                    raise DeliveryFailed(f"未配置“{channel_row.kind}”渠道的发送程序")
                sender.send(channel_of(channel_row), delivery.text, now=now())
            except DeliveryFailed as exc:
                delivery.last_error = str(exc)[:256]
                if delivery.attempts >= MAX_ATTEMPTS:
                    delivery.state = "failed"
                    run.failed += 1
                else:
                    run.retried += 1
                    sleep(BACKOFF_SECONDS[min(delivery.attempts - 1, len(BACKOFF_SECONDS) - 1)])
            else:
                delivery.state, delivery.sent_at, delivery.last_error = "sent", now(), ""
                run.sent += 1
        session.add(delivery)
        session.commit()
    return run


def delivery_log(session: Session, department_ids: Sequence[int], limit: int = 100) -> list[tuple[MessageDelivery,
                                                                                                   MessageChannel]]:
    return list(session.exec(select(MessageDelivery, MessageChannel)
                             .join(MessageChannel, col(MessageChannel.id) == col(MessageDelivery.channel_id))
                             .where(col(MessageDelivery.department_id).in_(list(department_ids)))
                             .order_by(col(MessageDelivery.id).desc()).limit(limit)).all())
