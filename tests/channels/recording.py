"""An in-process Bot API for handler tests: a ``BaseRequest`` that records calls and answers them."""

from __future__ import annotations

import itertools
import json
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 123, "is_bot": True, "first_name": "Drafter", "username": "drafter_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


class RecordingRequest(BaseRequest):
    """Answers every Bot API method with a canned success and keeps ``calls`` in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, bytes] = {}  # file_path → bytes served for downloads
        self._message_ids = itertools.count(1000)

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
            return 200, self.files[url.split("/file/bot", 1)[1].split("/", 1)[1]]
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
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
        return [name for name, _ in self.calls if name != "getMe"]

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def texts(self) -> list[str]:
        return [str(p["text"]) for p in self.sent()]
