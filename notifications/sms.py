"""SMS through an HTTP gateway (most Moroccan SMS gateways are one HTTPS call): off unless
``ESTIVAGE_SMS_URL`` is set. The URL and the body template (``ESTIVAGE_SMS_TEMPLATE``) may say ``{to}``
and ``{text}``: URL-quoted in the URL, JSON-escaped in the body (a JSON template stays valid JSON).

A 2xx is sent; a 4xx (but 429) is the gateway's final no (a bad number); anything else, a 429 or no
answer, is tried again later, like mail.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx

from notifications.transports import Outgoing, Refused, Unreachable


def _json_escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


class HttpSms:
    def __init__(self, url: str, template: str, timeout: float = 15) -> None:
        self.url = url
        self.template = template
        self._client = httpx.AsyncClient(timeout=timeout)

    def request_for(self, message: Outgoing) -> tuple[str, str]:
        text = message.content.decode()
        url = self.url.replace("{to}", quote(message.recipient)).replace("{text}", quote(text))
        body = self.template.replace("{to}", _json_escaped(message.recipient)).replace(
            "{text}", _json_escaped(text)
        )
        return url, body

    async def send(self, message: Outgoing) -> None:
        url, body = self.request_for(message)
        content_type = "application/json" if body.lstrip().startswith("{") else "text/plain; charset=utf-8"
        try:
            response = await self._client.post(
                url, content=body.encode(), headers={"Content-Type": content_type}
            )
        except httpx.HTTPError as failure:
            raise Unreachable(f"{type(failure).__name__}: {failure}") from failure
        if response.is_success:
            return
        if 400 <= response.status_code < 500 and response.status_code != 429:
            raise Refused(f"{response.status_code} {response.text[:200]}")
        raise Unreachable(f"{response.status_code} {response.text[:200]}")

    async def close(self) -> None:
        await self._client.aclose()
