"""A fake Telegram Bot API server for end-to-end tests.

``FakeBotApi`` is an aiohttp server that speaks the Bot API HTTP protocol
(``/bot<token>/<method>`` with JSON, urlencoded or multipart bodies, the
``{"ok": ..., "result": ...}`` envelope, long-polling ``getUpdates``, file
downloads under ``/file/bot<token>/<path>``). It runs in a background thread
with its own event loop (``testing.loopback``), so a test (sync or async) can drive a bot that runs
in another process or in the test's own event loop::

    with FakeBotApi() as api:
        # start the bot with base_url=api.base_url, base_file_url=api.base_file_url
        api.send_text(42, "/start")
        msg = api.wait_for_message(42, contains="欢迎")

Inside an async test whose event loop also runs the bot, use the ``*_async``
waiters: the blocking ones would freeze that loop.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from testing.loopback import LoopbackServer

T = TypeVar("T")

BOT_USERNAME = "drafter_test_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
LONG_POLL_CAP = 2.0  # seconds; getUpdates never waits longer than this
POLL_STEP = 0.02  # seconds between checks of the update queue while long-polling

# Form fields that are plain strings: never JSON-decode them ("123" must stay text).
STRING_FIELDS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "inline_message_id",
        "action", "url", "file_id", "language_code", "secret_token", "description",
        "short_description", "name", "message_effect_id", "business_connection_id",
        "ip_address", "certificate",
    }
)
ERROR_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
# Tags Telegram accepts with parse_mode=HTML.
HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
     "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"}
)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")


class ApiError(Exception):
    """Raised by a method handler to answer ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class UploadedFile:
    """A file part of a multipart request (kept in ``calls`` params instead of raw bytes)."""

    filename: str
    data: bytes
    content_type: str

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.data)} bytes)"


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str
    data: bytes
    mime_type: str


@dataclass
class BotMessage:
    """One message the bot sent or edited, in the order it happened."""

    method: str  # sendMessage, editMessageText, editMessageReplyMarkup, sendDocument
    chat_id: int
    message_id: int
    text: str  # message text as sent (raw markup kept), or the caption of a document
    reply_markup: dict[str, Any] | None
    document: StoredFile | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def keyboard(self) -> list[list[tuple[str, str | None]]] | None:
        return inline_keyboard_rows(self.reply_markup)


@dataclass
class _FailureRule:
    status: int
    retry_after: int
    description: str
    remaining: int
    chat_id: int | None = None  # only calls for this chat, when set


def inline_keyboard_rows(markup: dict[str, Any] | None) -> list[list[tuple[str, str | None]]] | None:
    """``[[(text, callback_data), ...], ...]`` of an InlineKeyboardMarkup dict, else None."""
    if not markup or "inline_keyboard" not in markup:
        return None
    return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in markup["inline_keyboard"]]


def _copy(update: Any) -> Any:
    return dict(update) if isinstance(update, dict) else update


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parse_html(text: str) -> str:
    """Validate Telegram HTML like the server does and return the visible text."""
    def check_stray(start: int, end: int) -> None:
        stray = text.find("<", start, end)
        if stray >= 0:
            raise ApiError(400, "Bad Request: can't parse entities: unexpected '<' "
                                f"at byte offset {len(text[:stray].encode())}")

    stack: list[str] = []
    pos = 0
    for match in _TAG_RE.finditer(text):
        check_stray(pos, match.start())
        closing, tag = match.group(1), match.group(2).lower()
        if tag not in HTML_TAGS:
            raise ApiError(400, f"Bad Request: can't parse entities: Unsupported start tag \"{tag}\"")
        if closing:
            if not stack or stack[-1] != tag:
                raise ApiError(400, f"Bad Request: can't parse entities: Unmatched end tag \"{tag}\"")
            stack.pop()
        else:
            stack.append(tag)
        pos = match.end()
    check_stray(pos, len(text))
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: Can't find end tag \"{stack[-1]}\"")
    return html.unescape(_TAG_RE.sub("", text))


class FakeBotApi(LoopbackServer):
    """Fake Bot API server; see the module docstring."""

    client_max_size = 60 * 1024 * 1024  # documents the bot uploads

    def __init__(self, token: str = "123:ABC", host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.token = token
        self.bot_user = {
            "id": int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123,
            "is_bot": True,
            "first_name": "Drafter",
            "username": BOT_USERNAME,
        }
        self._lock = threading.RLock()
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        # Queued, not yet confirmed: (the id ``offset`` is compared with, the update as sent).
        self._updates: list[tuple[int, Any]] = []
        self._chats: dict[int, dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._last_user_message: dict[int, dict[str, Any]] = {}
        self._current: dict[tuple[int, int], dict[str, Any]] = {}  # latest state of bot messages
        self._sent: list[BotMessage] = []
        self._files: dict[str, StoredFile] = {}
        self._failures: dict[str, list[_FailureRule]] = {}
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.injected_failures: list[tuple[str, int]] = []
        self.webhook: dict[str, Any] | None = None
        # Unreachable: no connections accepted, open ones dropped (``go_offline``/``go_online``).
        self.offline = False
        self._offline_after_batch = False
        # Called (in the server thread, under the lock) with every message the bot sends or edits;
        # load drivers use it instead of polling ``messages_to``. Keep callbacks short.
        self.listeners: list[Callable[[BotMessage], None]] = []
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._require_port()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._require_port()}/file/bot"

    def _require_port(self) -> int:
        if self.port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self.port

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)

    def on_start(self) -> None:
        self._stopping = False

    def on_stop(self) -> None:
        self._stopping = True  # long polls answer at once

    # ------------------------------------------------------------------ outages
    def go_offline(self) -> None:
        """Telegram becomes unreachable: new connections are refused (the port is closed) and
        requests on open keep-alive connections are dropped without an answer."""
        done = threading.Event()

        def close() -> None:
            self.offline = True
            site, self._site = self._site, None

            async def stop_site() -> None:
                if site is not None:
                    await site.stop()
                done.set()

            self.spawn(stop_site())

        self.loop.call_soon_threadsafe(close)
        if not done.wait(10):
            raise RuntimeError("FakeBotApi did not go offline")

    def go_offline_after_next_batch(self) -> None:
        """Goes offline right after the next ``getUpdates`` answer that carries updates: the bot
        has the updates, and Telegram is gone before it can answer them (a deterministic point)."""
        self._offline_after_batch = True

    def go_online(self) -> None:
        """Listens on the same port again."""
        runner = self._runner
        assert runner is not None, "go_online needs a started server"
        done = threading.Event()
        errors: list[BaseException] = []

        async def reopen() -> None:
            try:
                self._site = web.SockSite(runner, self.bind(self._require_port()))
                await self._site.start()
                self.offline = False
            except BaseException as exc:  # noqa: BLE001 - reported to the caller
                errors.append(exc)
            done.set()

        asyncio.run_coroutine_threadsafe(reopen(), self.loop)
        if not done.wait(10) or errors:
            raise RuntimeError(f"FakeBotApi could not go online again: {errors}")

    # ------------------------------------------------------------------ HTTP layer
    @staticmethod
    def _envelope(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(err: ApiError) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": err.status, "description": err.description}
        if err.parameters:
            body["parameters"] = err.parameters
        return web.json_response(body, status=err.status)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {}
        raw: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())  # already typed
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        mime = value.content_type or "application/octet-stream"
                        params[key] = UploadedFile(value.filename, value.file.read(), mime)
                    else:
                        raw[key] = value
        for key, value in raw.items():
            if key in STRING_FIELDS or not isinstance(value, str):
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        name = request.match_info["method"]
        params = await self._read_params(request)
        handler = getattr(self, f"_api_{name.lower()}", None)
        if self.offline:  # Telegram unreachable: the connection is dropped without an answer
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("offline")
        with self._lock:
            self.calls.append((name, params))
            rule = self._take_failure(name, params)
        if rule is not None:
            return self._error(rule)
        try:
            if name.lower() == "getupdates":  # the only async method: it long-polls
                batch = await self._get_updates(params)
                if batch and self._offline_after_batch:
                    self._offline_after_batch = False
                    self.loop.call_soon(self._start_outage)  # after this answer
                return self._envelope(batch)
            if handler is None:
                return self._error(ApiError(404, "Not Found: method not found"))
            with self._lock:
                return self._envelope(handler(params))
        except ApiError as err:
            return self._error(err)

    def _start_outage(self) -> None:
        self.offline = True
        site, self._site = self._site, None
        if site is not None:
            self.spawn(site.stop())

    async def _handle_file(self, request: web.Request) -> web.Response:
        if self.offline:
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("offline")
        if request.match_info["token"] != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        path = request.match_info["file_path"]
        with self._lock:
            stored = next((f for f in self._files.values() if f.file_path == path), None)
        if stored is None:
            return self._error(ApiError(404, "Not Found"))
        return web.Response(body=stored.data, content_type=stored.mime_type)

    # ------------------------------------------------------------------ failure injection
    def fail_next(
        self, method: str, status: int = 429, retry_after: int = 1, times: int = 1,
        description: str | None = None, chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (for ``chat_id`` only, when given) fail
        with ``status``."""
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}" if status == 429
                           else ERROR_DESCRIPTIONS.get(status, "Internal Server Error"))
        with self._lock:
            self._failures.setdefault(method.lower(), []).append(
                _FailureRule(status, retry_after, description, times, chat_id))

    def _take_failure(self, method: str, params: dict[str, Any] | None = None) -> ApiError | None:
        rules = self._failures.get(method.lower())
        if not rules:
            return None
        chat = (params or {}).get("chat_id")
        rule = next((r for r in rules if r.chat_id is None or str(r.chat_id) == str(chat)), None)
        if rule is None:
            return None
        rule.remaining -= 1
        if rule.remaining <= 0:
            rules.remove(rule)
        self.injected_failures.append((method, rule.status))
        parameters = {"retry_after": rule.retry_after} if rule.status == 429 else None
        return ApiError(rule.status, rule.description, parameters)

    # ------------------------------------------------------------------ helpers (lock held)
    def _chat(self, chat_id: Any) -> dict[str, Any]:
        try:
            cid = int(chat_id)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        return self._chats.setdefault(cid, {"id": cid, "type": "private", "first_name": "测试"})

    def _new_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    def _check_markup(self, markup: Any) -> None:
        for row in (inline_keyboard_rows(markup) or []):
            for _text, data in row:
                if data is not None and len(data.encode()) > MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    @staticmethod
    def _visible_text(text: str, parse_mode: str | None, limit: int, what: str) -> str:
        visible = _parse_html(text) if (parse_mode or "").upper() == "HTML" else text
        if not visible.strip():
            raise ApiError(400, f"Bad Request: {what} is empty")
        if _utf16_len(visible) > limit:
            raise ApiError(400, f"Bad Request: {what} is too long")
        return visible

    def _record(self, method: str, message: dict[str, Any], text: str, params: dict[str, Any],
                document: StoredFile | None = None) -> None:
        chat_id = message["chat"]["id"]
        self._current[(chat_id, message["message_id"])] = message
        sent = BotMessage(method, chat_id, message["message_id"], text, message.get("reply_markup"), document, params)
        self._sent.append(sent)
        for listener in self.listeners:
            listener(sent)

    def _store_file(self, name: str, data: bytes, mime: str, folder: str = "documents") -> StoredFile:
        n = next(self._file_ids)
        stored = StoredFile(f"BQACAgIAAxkBAAI{n:06d}", f"AgAD{n:06d}", f"{folder}/file_{n}_{name}",
                            name, data, mime)
        self._files[stored.file_id] = stored
        return stored

    @staticmethod
    def _document_dict(stored: StoredFile) -> dict[str, Any]:
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_name": stored.file_name, "mime_type": stored.mime_type, "file_size": len(stored.data)}

    def _find_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        message = self._current.get((chat["id"], int(params.get("message_id", 0))))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    # ------------------------------------------------------------------ Bot API methods
    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(max(float(params.get("timeout") or 0), 0.0), LONG_POLL_CAP)
        deadline = time.monotonic() + wait
        if offset > 0:  # confirms what came before, when the call is made (not while it waits)
            with self._lock:
                self._updates = [(n, u) for n, u in self._updates if n >= offset]
        for _ in range(int(wait / POLL_STEP) + 2):  # bounded long-poll loop
            with self._lock:
                if self._updates or self._stopping or time.monotonic() >= deadline:
                    return [_copy(u) for _, u in self._updates[:limit]]
            await asyncio.sleep(POLL_STEP)
        with self._lock:
            return [_copy(u) for _, u in self._updates[:limit]]

    def _api_getme(self, params: dict[str, Any]) -> Any:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _api_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_setwebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    def _api_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params.get("chat_id"))
        text = str(params.get("text") or "")
        visible = self._visible_text(text, params.get("parse_mode"), MAX_TEXT, "message text")
        self._check_markup(params.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]), "date": int(time.time()),
            "chat": chat, "from": self.bot_user, "text": visible,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._record("sendMessage", message, text, params)
        return message

    def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        old = self._find_message(params)
        text = str(params.get("text") or "")
        visible = self._visible_text(text, params.get("parse_mode"), MAX_TEXT, "message text")
        markup = params.get("reply_markup")  # Telegram drops the keyboard when none is given
        self._check_markup(markup)
        if visible == old.get("text") and markup == old.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message content "
                                "and reply markup are exactly the same as a current content and reply "
                                "markup of the message")
        message = {k: v for k, v in old.items() if k not in ("reply_markup", "text", "caption")}
        message.update({"text": visible, "edit_date": int(time.time())})
        if markup:
            message["reply_markup"] = markup
        self._record("editMessageText", message, text, params)
        return message

    def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        old = self._find_message(params)
        markup = params.get("reply_markup")
        self._check_markup(markup)
        if markup == old.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message content "
                                "and reply markup are exactly the same as a current content and reply "
                                "markup of the message")
        message = {k: v for k, v in old.items() if k != "reply_markup"}
        message["edit_date"] = int(time.time())
        if markup:
            message["reply_markup"] = markup
        text = old.get("text") or old.get("caption") or ""
        self._record("editMessageReplyMarkup", message, text, params)
        return message

    def _api_senddocument(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params.get("chat_id"))
        doc = params.get("document")
        if isinstance(doc, UploadedFile):
            stored = self._store_file(doc.filename, doc.data, doc.content_type)
        elif isinstance(doc, str) and doc in self._files:
            stored = self._files[doc]
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption = str(params.get("caption") or "")
        if caption:
            self._visible_text(caption, params.get("parse_mode"), MAX_CAPTION, "message caption")
        self._check_markup(params.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]), "date": int(time.time()),
            "chat": chat, "from": self.bot_user, "document": self._document_dict(stored),
        }
        if caption:
            message["caption"] = caption
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._record("sendDocument", message, caption, params, stored)
        return message

    def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        return True

    def _api_sendchataction(self, params: dict[str, Any]) -> Any:
        self._chat(params.get("chat_id"))
        return True

    def _api_deletemessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params.get("chat_id"))
        if self._current.pop((chat["id"], int(params.get("message_id", 0))), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        return json.dumps([params.get("scope"), params.get("language_code")], sort_keys=True)

    def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        self._commands[self._commands_key(params)] = list(params.get("commands") or [])
        return True

    def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        return self._commands.get(self._commands_key(params), [])

    def _api_deletemycommands(self, params: dict[str, Any]) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _api_getfile(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data), "file_path": stored.file_path}

    # ------------------------------------------------------------------ test side: incoming updates
    def _queue(self, kind: str, payload: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append((update_id, {"update_id": update_id, kind: payload}))
            return update_id

    def queue_raw(self, update: Any) -> int:
        """Queue anything as one element of the next ``getUpdates`` result, exactly as given (a
        lone surrogate string is sent as the JSON escape ``"\\ud800"``). Returns the id it is
        confirmed by: its own integer ``update_id`` if it has one, else the next id in sequence."""
        with self._lock:
            own = update.get("update_id") if isinstance(update, dict) else None
            seq = own if type(own) is int else next(self._update_ids)
            self._updates.append((seq, update))
            return seq

    def restart_update_ids(self, start: int = 1) -> None:
        """Update ids start again from ``start``, as for a re-created bot, a switch between webhook
        and polling, or Telegram's random pick after a week without updates."""
        with self._lock:
            self._update_ids = itertools.count(start)

    def _user_message(self, user_id: int, chat_id: int | None, chat_type: str, first_name: str,
                      content: dict[str, Any]) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}
        cid = user_id if chat_id is None else chat_id
        with self._lock:
            if chat_type == "private":
                chat = {"id": cid, "type": "private", "first_name": first_name}
            else:
                chat = {"id": cid, "type": chat_type, "title": f"测试群 {cid}"}
            self._chats[cid] = chat
            message = {"message_id": self._new_message_id(cid), "from": user, "chat": chat,
                       "date": int(time.time()), **content}
            self._last_user_message[cid] = message
            return message

    def send_text(self, user_id: int, text: str, chat_id: int | None = None,
                  chat_type: str = "private", first_name: str = "测试") -> int:
        """Queue a text message from a user; ``/commands`` carry a bot_command entity."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        return self._queue("message", self._user_message(user_id, chat_id, chat_type, first_name, content))

    def send_document(self, user_id: int, filename: str, data: bytes, mime: str = "text/plain",
                      caption: str | None = None, chat_id: int | None = None) -> int:
        """Register a downloadable file and queue a message carrying it as a document."""
        with self._lock:
            stored = self._store_file(filename, data, mime)
        content: dict[str, Any] = {"document": self._document_dict(stored)}
        if caption is not None:
            content["caption"] = caption
        return self._queue("message", self._user_message(user_id, chat_id, "private", "测试", content))

    def _simple(self, user_id: int, content: dict[str, Any]) -> int:
        return self._queue("message", self._user_message(user_id, None, "private", "测试", content))

    def send_sticker(self, user_id: int) -> int:
        return self._simple(user_id, {"sticker": {
            "file_id": "CAACAgIAAxkBAAIsticker", "file_unique_id": "AgADsticker", "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "😀"}})

    def send_photo(self, user_id: int, caption: str | None = None) -> int:
        sizes = [{"file_id": f"AgACAgIAAxkBAAIphoto{w}", "file_unique_id": f"AQADphoto{w}",
                  "width": w, "height": w * 3 // 4, "file_size": w * 100} for w in (90, 320, 800)]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._simple(user_id, content)

    def send_voice(self, user_id: int) -> int:
        return self._simple(user_id, {"voice": {
            "file_id": "AwACAgIAAxkBAAIvoice", "file_unique_id": "AgADvoice", "duration": 3,
            "mime_type": "audio/ogg", "file_size": 5120}})

    def send_edited_text(self, user_id: int, text: str, message_id: int | None = None) -> int:
        """Queue an ``edited_message`` for the user's last message (or ``message_id``)."""
        with self._lock:
            last = self._last_user_message.get(user_id)
            if last is None and message_id is None:
                raise ValueError("no earlier user message to edit; pass message_id")
            base = dict(last) if last else {}
        user = base.get("from") or {"id": user_id, "is_bot": False, "first_name": "测试"}
        chat = base.get("chat") or {"id": user_id, "type": "private", "first_name": "测试"}
        edited = {"message_id": message_id or base["message_id"], "from": user, "chat": chat,
                  "date": base.get("date", int(time.time())), "edit_date": int(time.time()), "text": text}
        return self._queue("edited_message", edited)

    def press_button(self, user_id: int, message_id: int, callback_data: str,
                     chat_id: int | None = None) -> int:
        """Queue a callback_query as if the user pressed a button of a bot message."""
        cid = user_id if chat_id is None else chat_id
        with self._lock:
            message = self._current.get((cid, message_id))
            chat = self._chats.get(cid, {"id": cid, "type": "private", "first_name": "测试"})
        if message is None:
            raise ValueError(f"the bot sent no message {message_id} to chat {cid}")
        query = {"id": f"{user_id}{next(self._callback_ids):06d}", "chat_instance": f"ci{cid}",
                 "data": callback_data,
                 "from": {"id": user_id, "is_bot": False, "first_name": chat.get("first_name", "测试")},
                 "message": message}
        return self._queue("callback_query", query)

    # ------------------------------------------------------------------ test side: inspection
    def messages_to(self, chat_id: int) -> list[BotMessage]:
        with self._lock:
            return [m for m in self._sent if m.chat_id == chat_id]

    def documents_to(self, chat_id: int) -> list[tuple[str, bytes]]:
        return [(m.document.file_name, m.document.data)
                for m in self.messages_to(chat_id) if m.method == "sendDocument" and m.document]

    def last_keyboard(self, chat_id: int) -> list[list[tuple[str, str | None]]] | None:
        """Rows of the newest message in the chat that (still) has an inline keyboard."""
        with self._lock:
            states = sorted(((mid, m) for (cid, mid), m in self._current.items() if cid == chat_id),
                            key=lambda item: item[0], reverse=True)
        for _mid, message in states:
            rows = inline_keyboard_rows(message.get("reply_markup"))
            if rows:
                return rows
        return None

    def pending_updates(self) -> int:
        """Updates queued but not yet confirmed by the bot through ``offset``."""
        with self._lock:
            return len(self._updates)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [p for name, p in self.calls if name.lower() == method.lower()]

    def _summary(self) -> str:
        with self._lock:
            last = self.calls[-5:]
        return "; ".join(f"{name}({', '.join(f'{k}={str(v)[:60]!r}' for k, v in p.items())})"
                         for name, p in last) or "no calls"

    def _message_matcher(
        self, chat_id: int, contains: str | None, after: int
    ) -> Callable[[], BotMessage | None]:
        def find() -> BotMessage | None:
            for message in self.messages_to(chat_id)[after:]:
                if contains is None or contains in message.text:
                    return message
            return None
        return find

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Poll ``predicate`` (every 0.05 s) until truthy; blocking, for sync tests."""
        for _ in range(max(1, int(timeout / 0.05)) + 1):
            result = predicate()
            if result:
                return result
            time.sleep(0.05)
        raise TimeoutError(f"condition not met within {timeout} s; last calls: {self._summary()}")

    async def wait_for_async(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Like ``wait_for`` but yields to the event loop (bot running in the same loop)."""
        for _ in range(max(1, int(timeout / 0.05)) + 1):
            result = predicate()
            if result:
                return result
            await asyncio.sleep(0.05)
        raise TimeoutError(f"condition not met within {timeout} s; last calls: {self._summary()}")

    def wait_for_message(self, chat_id: int, contains: str | None = None, after: int = 0,
                         timeout: float = 10.0) -> BotMessage:
        """First bot message to ``chat_id`` with index >= ``after`` whose text contains ``contains``."""
        found = self.wait_for(self._message_matcher(chat_id, contains, after), timeout)
        assert found is not None  # wait_for returns only what is truthy
        return found

    async def wait_for_message_async(self, chat_id: int, contains: str | None = None, after: int = 0,
                                     timeout: float = 10.0) -> BotMessage:
        found = await self.wait_for_async(self._message_matcher(chat_id, contains, after), timeout)
        assert found is not None
        return found
