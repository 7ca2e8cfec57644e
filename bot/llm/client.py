"""The model endpoint (adapter): a langchain chat model, one bounded attempt at a time.

`chat_model` is the one place that names a provider: any langchain `BaseChatModel` works in
`LlmClient`. Retries are ours (the writer decides), so the openai client's own are off
(``max_retries=0``), and each attempt is bounded as a whole by the timeout, not only per read:
a server trickling a token every few seconds cannot hold a staff member past it.

Every error becomes an `LlmError` with a `Failure` and, for HTTP errors, the status; the
messages it carries are redacted of the API key (some servers quote the key they refused).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import SecretStr

from bot.config import Settings
from bot.errors import DrafterError

__all__ = ["Failure", "LlmClient", "LlmConfig", "LlmError", "Ping", "Sink", "chat_model"]

log = logging.getLogger(__name__)

# Called with each piece of text as it arrives and the attempt (1 or 2) it belongs to.
Sink = Callable[[str, int], Awaitable[None] | None]
PING_PROMPT = "请只回复一个字：好"
PING_MAX_TOKENS = 8


class Failure(StrEnum):
    GUARD = "guard"  # the answer broke the guard's rules (set by the writer)
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"  # 429
    AUTH = "auth"  # 401, 403
    NOT_FOUND = "not_found"  # 404: unknown model or wrong base URL
    SERVER = "server"  # 5xx: worth one more try
    REFUSED = "refused"  # other 4xx
    UNREACHABLE = "unreachable"
    MALFORMED = "malformed"  # an answer that is not the protocol, or empty

    @property
    def transient(self) -> bool:
        return self in (Failure.SERVER, Failure.UNREACHABLE)


class LlmError(DrafterError):
    def __init__(self, failure: Failure, status: int | None = None, detail: str = "") -> None:
        super().__init__(f"{failure.value}{f' (HTTP {status})' if status else ''}: {detail}")
        self.failure = failure
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class LlmConfig:
    base_url: str
    model: str
    api_key: SecretStr
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> LlmConfig | None:
        """None unless both an endpoint and a model are configured: LLM drafting is opt-in."""
        if not settings.llm_base_url.strip() or not settings.llm_model.strip():
            return None
        return cls(base_url=settings.llm_base_url.strip().rstrip("/"), model=settings.llm_model.strip(),
                   api_key=settings.llm_api_key, timeout=float(settings.llm_timeout))


@dataclass(frozen=True)
class Ping:
    model: str  # the model name the endpoint reports
    seconds: float


def chat_model(config: LlmConfig) -> BaseChatModel:
    """The provider: an OpenAI-compatible endpoint. Another provider is this one line."""
    from langchain_openai import ChatOpenAI

    # An empty key (Ollama) still needs a value: the openai client refuses none, and would
    # otherwise read OPENAI_API_KEY from the environment and send it to this endpoint.
    key = config.api_key if config.api_key.get_secret_value() else SecretStr("none")
    # A connection pool of its own: langchain-openai's default one is shared by the whole
    # process and dies with the first event loop that used it.
    return ChatOpenAI(base_url=config.base_url, model=config.model, api_key=key, timeout=config.timeout,
                      max_retries=0, temperature=0.3, http_async_client=openai.DefaultAsyncHttpxClient())


class LlmClient:
    """One chat model per event loop (its connections belong to the loop that opened them)."""

    def __init__(self, make_model: Callable[[], BaseChatModel], timeout: float, secret: SecretStr | None = None) -> None:
        self.make_model = make_model
        self.timeout = timeout
        self._secret = secret.get_secret_value() if secret is not None else ""
        self._models: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BaseChatModel] = weakref.WeakKeyDictionary()

    @classmethod
    def from_config(cls, config: LlmConfig) -> LlmClient:
        return cls(lambda: chat_model(config), config.timeout, config.api_key)

    def __repr__(self) -> str:
        return f"LlmClient(timeout={self.timeout})"

    def model(self) -> BaseChatModel:
        loop = asyncio.get_running_loop()
        model = self._models.get(loop)
        if model is None:
            model = self._models[loop] = self.make_model()
        return model

    async def complete(self, messages: Sequence[BaseMessage], sink: Sink | None = None, attempt: int = 1) -> str:
        """One attempt: the whole answer, streamed into `sink` as it arrives when one is given."""
        model = self.model()  # built outside the bound: the first one loads TLS certificates
        try:
            async with asyncio.timeout(self.timeout):
                if sink is None:
                    text = _text(await model.ainvoke(list(messages)))
                else:
                    parts: list[str] = []
                    async for chunk in model.astream(list(messages)):
                        piece = _text(chunk)
                        if piece:
                            parts.append(piece)
                            await _show(sink, piece, attempt)
                    text = "".join(parts)
        except Exception as exc:  # noqa: BLE001 - every way the endpoint can fail becomes one of ours
            raise self._error(exc) from None
        if not text.strip():
            raise LlmError(Failure.MALFORMED, detail="empty answer")
        return text

    async def ping(self) -> Ping:
        """One tiny request: does the endpoint answer, and with which model."""
        model = self.model()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                message = await model.ainvoke([HumanMessage(PING_PROMPT)], max_tokens=PING_MAX_TOKENS)
        except Exception as exc:  # noqa: BLE001 - as in complete(): every failure becomes one of ours
            raise self._error(exc) from None
        seconds = time.perf_counter() - started
        name = str(message.response_metadata.get("model_name") or message.response_metadata.get("model") or "")
        return Ping(model=name, seconds=seconds)

    def _error(self, exc: BaseException) -> LlmError:
        error = _classify(exc)
        redacted = self._redact(error.detail)
        log.warning("model request failed: %s%s: %s", error.failure.value,
                    f" (HTTP {error.status})" if error.status else "", redacted)
        return LlmError(error.failure, error.status, redacted)

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


async def _show(sink: Sink, piece: str, attempt: int) -> None:
    """A channel that fails to show progress (an edit refused) does not stop the answer."""
    try:
        result = sink(piece, attempt)
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.exception("showing streamed text failed")


def _text(message: object) -> str:
    content = getattr(message, "content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks, as some providers stream them
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content if isinstance(b, (str, dict)))
    return ""


def _root_cause(exc: BaseException) -> str:
    """"Connection error." says little; the socket's own error ("Connection refused") says why."""
    seen = exc
    while (cause := seen.__cause__ or seen.__context__) is not None:
        seen = cause
    return str(seen) or type(seen).__name__


def _classify(exc: BaseException) -> LlmError:
    # APITimeoutError is an APIConnectionError: test it first.
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError, openai.APITimeoutError)):
        return LlmError(Failure.TIMEOUT, detail="timed out")
    if isinstance(exc, openai.APIConnectionError):
        return LlmError(Failure.UNREACHABLE, detail=_root_cause(exc))
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status in (401, 403):
            failure = Failure.AUTH
        elif status == 404:
            failure = Failure.NOT_FOUND
        elif status == 429:
            failure = Failure.RATE_LIMITED
        elif status >= 500:
            failure = Failure.SERVER
        else:
            failure = Failure.REFUSED
        return LlmError(failure, status, exc.message)
    # APIResponseValidationError, a JSON decode error, a body without choices: not the protocol.
    return LlmError(Failure.MALFORMED, detail=f"{type(exc).__name__}: {exc}")
