"""The adapters of `cases.messages.MessageSender`: 企业微信 and 钉钉 group-robot webhooks, an SMS gateway.

- 企业微信群机器人: POST the webhook address with `{"msgtype": "text", "text": {"content": …}}`;
  the robot answers `{"errcode": 0, "errmsg": "ok"}`.
- 钉钉群机器人: the same body; with a signing secret the address carries `timestamp` (ms) and
  `sign` = Base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded; answers `{"errcode": 0}`.
- 短信网关: POST `{"phones": […], "content": …}` with `Authorization: Bearer <key>` to the gateway
  a bureau contracts; it answers `{"code": 0}` (any other code, or a non-2xx status, is a refusal).

Each adapter turns every failure (refused, unreachable, timeout, unreadable answer) into
`DeliveryFailed`, so `deliver_pending` retries and logs it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

import httpx

from cases.messages import Channel, ChannelKind, DeliveryFailed, MessageSender

TIMEOUT = httpx.Timeout(5.0, connect=3.0)


def _post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    try:
        answer = httpx.post(url, json=body, headers=headers or {}, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"无法连接：{type(exc).__name__}") from None
    if not 200 <= answer.status_code < 300:
        raise DeliveryFailed(f"HTTP {answer.status_code}")
    try:
        data = answer.json()
    except ValueError:
        raise DeliveryFailed("应答不是 JSON") from None
    if not isinstance(data, dict):
        raise DeliveryFailed("应答格式不正确")
    return data


class WeComRobot:
    def send(self, channel: Channel, text: str, *, now: datetime) -> None:
        data = _post(channel.url, {"msgtype": "text", "text": {"content": text}})
        if data.get("errcode") != 0:
            raise DeliveryFailed(f"企业微信拒收：{data.get('errcode')} {data.get('errmsg', '')}"[:200])


def dingtalk_signed(url: str, secret: str, now: datetime) -> str:
    """The robot address with its `timestamp` and `sign` (when the robot has a signing secret)."""
    if not secret:
        return url
    stamp = str(int(now.timestamp() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"


class DingTalkRobot:
    def send(self, channel: Channel, text: str, *, now: datetime) -> None:
        data = _post(dingtalk_signed(channel.url, channel.secret, now), {"msgtype": "text", "text": {"content": text}})
        if data.get("errcode") != 0:
            raise DeliveryFailed(f"钉钉拒收：{data.get('errcode')} {data.get('errmsg', '')}"[:200])


class SmsGateway:
    def send(self, channel: Channel, text: str, *, now: datetime) -> None:
        if not channel.recipients:
            raise DeliveryFailed("短信渠道未配置接收号码")
        headers = {"Authorization": f"Bearer {channel.secret}"} if channel.secret else {}
        data = _post(channel.url, {"phones": list(channel.recipients), "content": text}, headers)
        if data.get("code") != 0:
            raise DeliveryFailed(f"短信网关拒收：{data.get('code')} {data.get('message', '')}"[:200])


def senders() -> dict[str, MessageSender]:
    return {ChannelKind.WECOM.value: WeComRobot(), ChannelKind.DINGTALK.value: DingTalkRobot(),
            ChannelKind.SMS.value: SmsGateway()}
