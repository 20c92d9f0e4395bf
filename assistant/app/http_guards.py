"""Guards in front of every route of the web app (ASGI middleware): a request size limit, and
logins whose user names must match exactly, with failed attempts limited per client.

A question is at most a thousand characters and the history the assistant reads is capped, so a
request body far larger than that can only waste memory: it is refused before it is read.
"""

from __future__ import annotations

import hmac
import json
import time
from collections import defaultdict, deque
from urllib.parse import parse_qs

MAX_REQUEST_BYTES = 512 * 1024


class _TooLarge(Exception):
    pass


class RequestSizeLimit:
    """Refuse with 413 any request whose body is over `max_bytes`: by its Content-Length when
    it declares one, else as the body streams in."""

    def __init__(self, app, max_bytes: int = MAX_REQUEST_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send)
        if not declared and b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            # A body of no declared size: browsers always declare one, so nothing is lost.
            return await self._refuse(send, 411, "Send the request with its Content-Length.")
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send, status: int = 413, message: str = ""):
        message = message or (f"The request is larger than {self.max_bytes // 1024} KB; send a "
                              "shorter question and history.")
        body = json.dumps({"error": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class LoginGuard:
    """Logins checked strictly: a user name with spaces around it is refused (Gradio strips the
    name before it checks it, so " analyst" would pass as "analyst"), and a client with
    `max_failures` failed sign-ins in the last `window` seconds is told to wait."""

    def __init__(self, app, max_failures: int = 10, window: float = 60.0):
        self.app = app
        self.max_failures = max_failures
        self.window = window
        self.failures: dict[str, deque] = defaultdict(deque)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or \
                not scope["path"].rstrip("/").endswith("/login"):
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("?", 0))[0]
        recent = self.failures[client]
        while recent and recent[0] < time.monotonic() - self.window:
            recent.popleft()
        if len(recent) >= self.max_failures:
            return await _reply(send, 429, "Too many failed sign-ins; wait a minute and try "
                                           "again.")
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False) and message["type"] == "http.request"
        body = b"".join(chunks)
        names = parse_qs(body.decode("utf-8", "replace")).get("username", [""])
        if names[0] != names[0].strip():
            recent.append(time.monotonic())
            return await _reply(send, 401, "Incorrect credentials.", key="detail")
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def watch(message):
            if message["type"] == "http.response.start" and message["status"] >= 400:
                recent.append(time.monotonic())
            await send(message)

        await self.app(scope, replay, watch)


async def _reply(send, status: int, message: str, key: str = "error"):
    body = json.dumps({key: message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def auth_check(logins: list[tuple[str, str]]):
    """Gradio's login check over the configured logins, comparing in constant time."""
    def check(username: str, password: str) -> bool:
        found = False
        for user, secret in logins:  # every pair is compared: no early exit to time
            found |= hmac.compare_digest(username.encode(), user.encode()) & \
                hmac.compare_digest(password.encode(), secret.encode())
        return found
    return check
