"""A fake OpenAI-compatible endpoint on 127.0.0.1 for the LLM tests and the benchmarks.

It speaks the protocol the real client sends and parses: ``POST /v1/chat/completions`` with a
plain JSON answer or, with ``"stream": true``, Server-Sent Events (``data: {chunk}`` lines and
``data: [DONE]``); ``GET /v1/models``; errors in OpenAI's ``{"error": {...}}`` envelope; a bearer
key check. Each request takes the next scripted `Answer` (or `default`), so a test says what the
model does::

    with FakeOpenAI() as api:
        api.script(Answer("社区全年召开党员大会4次……"), Answer(status=500))
        # point ChatOpenAI at api.base_url

It runs its own event loop in a thread (``testing.loopback``), so sync and async tests and the
benchmarks can use it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from testing.loopback import LoopbackServer

MODEL = "fake-model"
KEY = "sk-fake-0123456789abcdef"
_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 404: "invalid_request_error",
                429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}


@dataclass(frozen=True)
class Answer:
    """What the model does for one request."""

    text: str = ""
    status: int = 200
    raw_body: str | None = None  # sent as is (a proxy's HTML page, a truncated body …)
    stall: float = 0.0  # seconds before anything is sent
    chunk_delay: float = 0.0  # seconds between streamed chunks
    chunk_chars: int = 6  # characters per streamed chunk


@dataclass(frozen=True)
class Request:
    body: dict[str, Any]
    authorization: str

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def last_user_text(self) -> str:
        return next((m["content"] for m in reversed(self.messages) if m.get("role") == "user"), "")


class FakeOpenAI(LoopbackServer):
    shutdown_timeout = 0.5

    def __init__(self, key: str = KEY, models: tuple[str, ...] = (MODEL,), host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.key = key
        self.models = models
        self.default: Answer | None = None  # when the script runs out; None answers 500
        self.requests: list[Request] = []
        self._script: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping: asyncio.Event | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def script(self, *answers: Answer) -> None:
        with self._lock:
            self._script.extend(answers)

    def reset(self) -> None:
        """No script, no default, no recorded requests: a fresh model for the next test."""
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.default = None

    # ------------------------------------------------------------------ lifecycle
    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)

    def on_start(self) -> None:
        self._stopping = asyncio.Event()

    def on_stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()  # stalled handlers return at once

    # ------------------------------------------------------------------ HTTP
    def _authorised(self, request: web.Request) -> str | None:
        """None when the bearer key is right, else the key that was sent."""
        header = request.headers.get("Authorization", "")
        sent = header.removeprefix("Bearer ").strip()
        return None if not self.key or sent == self.key else sent

    async def _models(self, request: web.Request) -> web.Response:
        if (sent := self._authorised(request)) is not None:
            return _error(401, f"Incorrect API key provided: {sent}.", "invalid_api_key")
        return web.json_response({"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "We could not parse the JSON body of your request.", None)
        with self._lock:
            self.requests.append(Request(body=body, authorization=request.headers.get("Authorization", "")))
            answer = self._script.popleft() if self._script else self.default
        if (sent := self._authorised(request)) is not None:
            # Like some real servers, the message quotes the key it refused.
            return _error(401, f"Incorrect API key provided: {sent}.", "invalid_api_key")
        if body.get("model") not in self.models:
            return _error(404, f"The model `{body.get('model')}` does not exist.", "model_not_found")
        if answer is None:
            return _error(500, "no scripted answer", None)
        if answer.stall and await self._stalled(answer.stall):
            return web.Response(status=503)
        if answer.raw_body is not None:
            return web.Response(status=answer.status, text=answer.raw_body, content_type="text/html")
        if answer.status != 200:
            headers = {"Retry-After": "1"} if answer.status == 429 else None
            return _error(answer.status, f"scripted error {answer.status}", None, headers)
        completion = f"chatcmpl-{next(self._ids)}"
        if body.get("stream"):
            return await self._stream(request, answer, completion, body["model"])
        return web.json_response({
            "id": completion, "object": "chat.completion", "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": len(answer.text), "total_tokens": 1 + len(answer.text)},
        })

    async def _stalled(self, seconds: float) -> bool:
        """Wait `seconds` or until the server stops; True when it stopped."""
        assert self._stopping is not None
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _stream(self, request: web.Request, answer: Answer, completion: str, model: str) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        created = int(time.time())

        def event(delta: dict[str, Any], finish: str | None) -> bytes:
            chunk = {"id": completion, "object": "chat.completion.chunk", "created": created, "model": model,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()

        await response.write(event({"role": "assistant", "content": ""}, None))
        text = answer.text
        for start in range(0, len(text), answer.chunk_chars):
            if answer.chunk_delay and await self._stalled(answer.chunk_delay):
                return response
            await response.write(event({"content": text[start:start + answer.chunk_chars]}, None))
        await response.write(event({}, "stop"))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


def _error(status: int, message: str, code: str | None, headers: dict[str, str] | None = None) -> web.Response:
    envelope = {"error": {"message": message, "type": _ERROR_TYPES.get(status, "api_error"), "param": None, "code": code}}
    return web.json_response(envelope, status=status, headers=headers)
