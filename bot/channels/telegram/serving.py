"""``drafter serve``: one bot per data directory, updates through the durable inbox, polling or a
webhook, replies through the outbox.

- **Lock.** ``<data>/serve.lock`` (``flock``): a second ``drafter serve`` on the same data
  directory refuses to start (two pollers would handle one user's messages out of order).
- **Stores.** A damaged drafts or inbox database stops the start with a message naming the file
  and what to do; a drafts database found empty (0 bytes, or no drafts where the last run had
  some) is reported to the operator.
- **Updates.** Our own long polling asks for raw updates, stores each batch in the inbox
  (fsync'd) and only then confirms it; a webhook request is answered only after its update is
  stored. A malformed update is dropped with a log line; one that cannot be handled is logged
  and marked done; the next update is handled either way.
- **Full disk.** A batch the inbox cannot store is handled from memory, so users are answered
  (and told when their input could not be saved); writing resumes by itself when space returns.
- **Outbox.** Replies Telegram could not take are sent again every few seconds and as soon as a
  ``getUpdates`` call succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import re
import signal
import sys
import time
import warnings
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlparse

from telegram import Update
from telegram.error import Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.channels.inbox import Dispatcher, Inbox, Item, accept
from bot.channels.outbox import Outbox
from bot.channels.telegram import messages as say
from bot.channels.telegram.app import TelegramApp, build_application, channel_of
from bot.config import Settings
from bot.errors import DrafterError
from bot.logsafe import failure
from bot.sqlite import DamagedDatabase, DiskFull

log = logging.getLogger(__name__)
T = TypeVar("T")

POLL_TIMEOUT = 25  # seconds a getUpdates call may wait for news
MAX_BACKOFF = 30.0  # seconds between getUpdates retries while Telegram is unreachable
HANDLERS_AT_ONCE = 16  # users handled concurrently (each user's updates stay in order)
DRAIN_SECONDS = 20.0  # on SIGTERM, time for handlers in flight before the rest waits for the next start
OUTBOX_EVERY = 5.0  # seconds between attempts at replies waiting in the outbox
IDLE_RESET = 24 * 3600.0  # after this long without updates, poll without an offset: ids may restart
LOCK_NAME = "serve.lock"

# We read getUpdates raw (so one malformed update cannot fail the whole batch); PTB would rather
# we called Bot.get_updates, which parses every update and raises on the first bad one.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)


class AlreadyServing(DrafterError):
    def __init__(self, data_dir: Path, lock: Path, holder: str) -> None:
        super().__init__(say.ALREADY_SERVING.format(data_dir=data_dir, lock=lock,
                                                    holder=f"，进程号 {holder}" if holder else ""))


def acquire_lock(data_dir: Path) -> IO[str]:
    """Holds ``<data>/serve.lock`` for this process (released when it exits, even on ``kill -9``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_NAME
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the life of the bot
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()[:20]
        handle.close()
        raise AlreadyServing(data_dir, path, holder) from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
    except OSError:  # a full disk: the lock holds without the process id in it
        pass
    return handle


def run_telegram(settings: Settings) -> int:
    """Serves until stopped (SIGINT/SIGTERM); long polling, or a webhook when configured."""
    if not settings.telegram_bot_token:
        print(say.NO_TOKEN, file=sys.stderr)
        return 2
    if settings.webhook_url and importlib.util.find_spec("tornado") is None:
        print(say.NO_WEBHOOKS, file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(settings))
    except InvalidToken as err:
        log.critical("Telegram refused the bot token: %s", err)
        print(say.BAD_TOKEN, file=sys.stderr)
    except (AlreadyServing, DamagedDatabase) as err:
        print(str(err), file=sys.stderr)
    except DiskFull as err:
        print(say.CANNOT_START_DISK_FULL.format(path=err.path), file=sys.stderr)
    return 2


def _check_drafts(application: TelegramApp, inbox: Inbox) -> None:
    """Warns when the drafts database lost every draft since the last run (emptied, replaced)."""
    store = channel_of(application).dialogue.store
    count = getattr(store, "count_drafts", lambda: 0)()
    previous = int(inbox.meta("drafts") or 0)
    path = getattr(store, "path", "drafter.sqlite3")
    if getattr(store, "was_emptied", False):
        how = "是一个空文件（0 字节）" + (f"，上次运行时里面有 {previous} 份草稿" if previous else "")
        log.error(say.DRAFTS_GONE.format(path=path, how=how))
    elif previous and not count:
        log.error(say.DRAFTS_GONE.format(path=path, how=f"里没有任何草稿，上次运行时有 {previous} 份"))
    _remember_drafts(application, inbox)


def _remember_drafts(application: TelegramApp, inbox: Inbox) -> None:
    """How many drafts there are, kept in the inbox's file for the next start's check."""
    store = channel_of(application).dialogue.store
    if hasattr(store, "count_drafts"):
        inbox.set_meta("drafts", str(store.count_drafts()))


async def serve(settings: Settings, application: TelegramApp | None = None,
                stop: asyncio.Event | None = None) -> int:
    """Runs the bot through the durable inbox until ``stop`` is set (or SIGINT/SIGTERM)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread (tests)
            loop.add_signal_handler(sig, stop.set)
    lock = acquire_lock(settings.data_dir)
    inbox: Inbox | None = None
    try:
        inbox = Inbox(settings.data_dir / "inbox.sqlite3")
        application = application or build_application(settings)
        _check_drafts(application, inbox)
        return await _serve(settings, application, inbox, stop)
    finally:
        if inbox is not None:
            inbox.close()
        lock.close()


async def _serve(settings: Settings, application: TelegramApp, inbox: Inbox,
                 stop: asyncio.Event) -> int:
    channel = channel_of(application)
    outbox = Outbox(inbox)
    await asyncio.to_thread(outbox.prune)
    channel.delivery.attach(outbox)
    if channel.delivery.waiting:
        log.info("replies to %d chat(s) wait in the outbox from before the last stop", len(channel.delivery.waiting))
    telegram_back = asyncio.Event()

    async def handle(item: Item) -> None:
        await application.process_update(Update.de_json(item.body, application.bot))

    dispatcher = Dispatcher(inbox, handle, limit=HANDLERS_AT_ONCE)
    if not await _initialize(application, stop):
        return 0
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await asyncio.to_thread(inbox.prune)
        replay = await asyncio.to_thread(inbox.pending)
        if replay:
            log.info("handling %d update(s) received before the last stop", len(replay))
        dispatcher.submit(replay)
        redelivery = asyncio.create_task(_redeliver(application, stop, telegram_back))
        source = _webhook if settings.webhook_url else _poll
        try:
            code = await source(application, settings, inbox, dispatcher, stop, telegram_back)
        finally:
            stop.set()
            await asyncio.gather(redelivery, return_exceptions=True)
        if not await dispatcher.drain(DRAIN_SECONDS):
            log.warning("stopped with updates still being handled; they run again on the next start")
        _remember_drafts(application, inbox)
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        return code
    finally:
        await application.shutdown()


async def _initialize(application: TelegramApp, stop: asyncio.Event) -> bool:
    """``application.initialize()`` (it asks Telegram who the bot is), waiting while Telegram is
    unreachable instead of exiting into a restart loop; False if stopped meanwhile."""
    delay = 1.0
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            try:
                await application.initialize()
                return True
            except (InvalidToken, Forbidden):
                raise
            except TelegramError as err:
                log.warning("Telegram unreachable at start (%s); trying again in %.0f s", err, delay)
                await _unless_stopped(asyncio.sleep(delay), stopping)
                delay = min(delay * 2, MAX_BACKOFF)
        return False
    finally:
        stopping.cancel()


async def _redeliver(application: TelegramApp, stop: asyncio.Event,
                     telegram_back: asyncio.Event) -> None:
    """Sends the outbox's waiting replies every ``OUTBOX_EVERY`` s, and at once when a
    ``getUpdates`` call shows Telegram is reachable again."""
    delivery = channel_of(application).delivery
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            if delivery.waiting:
                try:
                    await delivery.flush(application.bot)
                except Exception as err:  # noqa: BLE001 - the loop must outlive one bad row
                    log.error("outbox: %s", failure(err))
            back = asyncio.create_task(telegram_back.wait())
            await asyncio.wait({back, stopping}, timeout=OUTBOX_EVERY, return_when=asyncio.FIRST_COMPLETED)
            back.cancel()
            telegram_back.clear()
    finally:
        stopping.cancel()


async def _unless_stopped(work: Awaitable[T], stopping: asyncio.Task[object]) -> asyncio.Task[T] | None:
    """``work`` as a finished task, or None (``work`` cancelled) if ``stopping`` finishes first."""
    task = asyncio.ensure_future(work)
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        return task
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None


async def _store(inbox: Inbox, dispatcher: Dispatcher, bodies: Sequence[dict[str, Any]]) -> None:
    """Into the inbox first, then to their handlers (only the ones not seen before). On a full
    disk they are handled from memory: answered now, not replayed after a crash."""
    try:
        fresh = await asyncio.to_thread(inbox.add, bodies)
    except DiskFull:
        fresh = inbox.remember(bodies)
    dispatcher.submit(fresh)


async def _poll(application: TelegramApp, settings: Settings, inbox: Inbox,
                dispatcher: Dispatcher, stop: asyncio.Event, telegram_back: asyncio.Event) -> int:
    """Long polling that confirms a batch only once it is in the inbox (the next call's offset)."""
    bot = application.bot
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None  # none: Telegram sends every unconfirmed update (the inbox drops repeats)
    delay = 0.0
    last_update = time.monotonic()
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            if offset is not None and time.monotonic() - last_update > IDLE_RESET:
                offset = None  # a week idle and Telegram picks new ids at random, maybe below ours
            fetch = await _unless_stopped(bot.do_api_request(
                "getUpdates", api_kwargs={"offset": offset, "timeout": POLL_TIMEOUT,
                                          "allowed_updates": list(Update.ALL_TYPES)},
                read_timeout=POLL_TIMEOUT + 10), stopping)
            if fetch is None:  # stopping: a batch not yet stored is not confirmed either
                break
            try:
                raw = fetch.result()
            except RetryAfter as err:
                delay = float(err.retry_after if isinstance(err.retry_after, (int, float))
                              else err.retry_after.total_seconds())
            except (InvalidToken, Forbidden):
                raise InvalidToken() from None
            except TelegramError as err:  # network trouble, 5xx, conflict: back off and retry
                delay = min(max(delay * 2, 1.0), MAX_BACKOFF)
                log.warning("getUpdates failed (%s); retrying in %.0f s", err, delay)
            else:
                delay = 0.0
                telegram_back.set()
                bodies = accept(raw)  # the updates with an update id; the rest is logged and dropped
                if bodies:
                    await _store(inbox, dispatcher, bodies)
                    offset = max(b["update_id"] for b in bodies) + 1
                    last_update = time.monotonic()
                elif raw:  # nothing we can confirm: do not ask again at once
                    delay = min(max(delay * 2, 1.0), MAX_BACKOFF)
            if delay:
                await _unless_stopped(asyncio.sleep(delay), stopping)
    finally:
        stopping.cancel()
    if offset is not None:  # confirm the last stored batch so Telegram does not resend it
        try:
            await bot.do_api_request("getUpdates", api_kwargs={"offset": offset, "timeout": 0,
                                                               "allowed_updates": list(Update.ALL_TYPES)})
        except TelegramError as err:
            log.info("could not confirm the last batch (it will be deduplicated): %s", err)
    return 0


async def _webhook(application: TelegramApp, settings: Settings, inbox: Inbox,
                   dispatcher: Dispatcher, stop: asyncio.Event, telegram_back: asyncio.Event) -> int:
    """Our own webhook endpoint (tornado): a request is answered 200 only once its update is in
    the inbox, so Telegram keeps (and resends) any update a crash cut off before that."""
    import tornado.web

    assert settings.telegram_bot_token
    secret = hashlib.sha256(settings.telegram_bot_token.encode()).hexdigest()[:32]

    class Hook(tornado.web.RequestHandler):
        async def post(self) -> None:
            if self.request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
                self.set_status(403)
                return
            try:
                raw = json.loads(self.request.body)
            except ValueError:  # answered, or Telegram would send it again forever
                log.warning("dropped a webhook request that is not JSON (%d bytes)", len(self.request.body))
                return
            bodies = accept(raw)
            if bodies:
                await _store(inbox, dispatcher, bodies)
            telegram_back.set()

        def log_exception(self, *args: Any) -> None:  # tornado would log the request with the update in it
            log.error("webhook request failed: %s", failure(args[1]) if len(args) > 1 else "?")

    path = urlparse(settings.webhook_url).path or "/"
    app = tornado.web.Application([(re.escape(path), Hook)])
    server = app.listen(settings.webhook_port, address=settings.webhook_listen, xheaders=True)
    try:
        await application.bot.set_webhook(settings.webhook_url, secret_token=secret,
                                          allowed_updates=list(Update.ALL_TYPES), drop_pending_updates=False)
        log.info("webhook listening on %s:%s%s", settings.webhook_listen, settings.webhook_port, path)
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
    return 0
