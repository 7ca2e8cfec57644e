"""An in-process Bot API for handler tests: a ``BaseRequest`` that records calls and answers them."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 123, "is_bot": True, "first_name": "Drafter", "username": "drafter_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


class RecordingRequest(BaseRequest):
    """Answers every Bot API method with a canned success and keeps ``calls`` in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.stamps: list[float] = []  # time.monotonic() of each call in ``calls``
        self.files: dict[str, bytes] = {}  # file_path → bytes served for downloads
        self._message_ids = itertools.count(1000)
        self._failures: list[list[Any]] = []  # [method, status, times left, chat_id or None]
        self.failed: list[tuple[str, dict[str, Any]]] = []  # calls answered with an injected failure

    def fail(self, method: str, status: int, times: int = 1, chat_id: int | None = None) -> None:
        """The next ``times`` calls of ``method`` (for ``chat_id``, when given) answer ``status``;
        method "download" is a file download."""
        self._failures.append([method, status, times, chat_id])

    def _failure(self, name: str, params: dict[str, Any]) -> int | None:
        for rule in self._failures:
            if rule[0] == name and rule[2] > 0 and (rule[3] is None or str(rule[3]) == str(params.get("chat_id"))):
                rule[2] -= 1
                return int(rule[1])
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = None, write_timeout: object = None,
                         connect_timeout: object = None, pool_timeout: object = None) -> tuple[int, bytes]:
        if "/file/bot" in url:
            status = self._failure("download", {})
            if status is not None:
                self.failed.append(("download", {}))
                return status, json.dumps({"ok": False, "error_code": status, "description": "Bad Gateway"}).encode()
            self.calls.append(("download", {}))
            return 200, self.files[url.split("/file/bot", 1)[1].split("/", 1)[1]]
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:  # uploaded files by field: their names
            params["_files"] = {field: part[0] for field, part in request_data.multipart_data.items()}
        status = self._failure(name, params)
        if status is None:
            self.calls.append((name, params))
            self.stamps.append(time.monotonic())
        else:
            self.failed.append((name, params))
            description = {403: "Forbidden: bot can't initiate conversation with a user"}.get(status, "Bad Gateway")
            return status, json.dumps({"ok": False, "error_code": status, "description": description}).encode()
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in ("sendMessage", "editMessageText", "sendDocument"):
            chat_id = int(params.get("chat_id", 0))
            return {"message_id": int(params.get("message_id") or next(self._message_ids)), "date": 0,
                    "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER,
                    "text": str(params.get("text") or "")}
        if name == "getFile":
            path = next(p for p in self.files if params["file_id"] in p)
            return {"file_id": params["file_id"], "file_unique_id": "u" + params["file_id"],
                    "file_size": len(self.files[path]), "file_path": path}
        return True

    # -- inspection -----------------------------------------------------------------------------
    def methods(self) -> list[str]:
        return [name for name, _ in self.calls if name not in ("getMe", "download")]

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def texts_to(self, chat_id: int) -> list[str]:
        return [str(p["text"]) for p in self.sent() if str(p.get("chat_id")) == str(chat_id)]

    def texts(self) -> list[str]:
        return [str(p["text"]) for p in self.sent()]
