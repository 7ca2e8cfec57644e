"""The handlers: an update becomes one dialogue input (or an upload, or a refusal), and the
replies go back through ``Delivery``.

Handlers hold no conversation state: the dialogue persists every input and state in SQLite, so a
restart (even ``kill -9``) resumes every user where they were. Each input carries a key made of
what the update is (chat, sender, message or button press, a hash of its content): a redelivered
update gets its stored replies again, and never another user's.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any

from telegram import Bot, CallbackQuery, Chat, Document, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.channels.outbox import Origin
from bot.channels.telegram import messages as say
from bot.channels.telegram.delivery import Delivery, Outcome
from bot.channels.telegram.formatting import addressed_text, command_of, shown_name, split_text
from bot.channels.telegram.ratelimit import NO_RETRY, Throttle
from bot.channels.telegram.streaming import SectionStream
from bot.config import Settings
from bot.drafting.dialogue import Dialogue
from bot.drafting.replies import Reply, is_option_data
from bot.ingest import uploads
from bot.ingest.indexer import IndexingError
from bot.ingest.loaders import IngestError
from bot.logsafe import failure
from bot.retrieval.snapshot import load_current
from bot.sqlite import is_disk_full

log = logging.getLogger(__name__)

BOT_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # bots cannot download larger files
DOWNLOAD_PAUSES = (1.0, 3.0)  # seconds before the second and third try of a failed download
PROGRESS_INTERVAL = 1.0  # seconds between edits of an indexing status message
TYPING_AFTER = 0.5  # seconds of work before the bot shows "typing…"
REFUSAL_EVERY = 600.0  # a stranger gets one refusal per this many seconds; the rest is silence



def _digest(kind: str, *parts: object) -> str:
    return hashlib.sha256("\x1f".join([kind, *map(str, parts)]).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def describe(update: object) -> str:
    """An update for the log: ids, kind and the length of its text, never the text. Safe on any
    update, however malformed (it is called when handling one failed)."""
    if not isinstance(update, Update):
        return type(update).__name__
    try:
        kind = next((k for k in ("message", "edited_message", "callback_query", "channel_post")
                     if getattr(update, k, None)), "update")
        message = update.effective_message
        text = (message.text or message.caption or "") if message is not None else ""
        chat = update.effective_chat.id if update.effective_chat else None
        user = update.effective_user.id if update.effective_user else None
        return f"update {update.update_id} ({kind}; chat {chat}; user {user}; text of {len(str(text))} characters)"
    except Exception:  # noqa: BLE001 - a malformed update: its id is enough
        return f"update {getattr(update, 'update_id', '?')}"


class TelegramChannel:
    """Handlers bound to one dialogue and one set of settings."""

    def __init__(self, settings: Settings, dialogue: Dialogue, delivery: Delivery | None = None) -> None:
        self.settings = settings
        self.dialogue = dialogue
        self.delivery = delivery or Delivery()
        self.refusals = Throttle(REFUSAL_EVERY)
        self._indexing = asyncio.Lock()  # one index build at a time

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.settings.admins

    def is_allowed(self, user_id: int) -> bool:
        return user_id in self.settings.allowed_users or self.is_admin(user_id)

    async def guard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Drops updates not meant for the bot and refuses users without access: one refusal per
        ``REFUSAL_EVERY`` seconds, sent without waiting out a 429, so a stranger's flood costs
        one message and holds up nobody."""
        user, message = update.effective_user, update.message or update.edited_message
        if user is None or user.is_bot or (message is None and update.callback_query is None):
            raise ApplicationHandlerStop
        if message is not None and addressed_text(message, context.bot.username, context.bot.id) is None:
            raise ApplicationHandlerStop
        if self.is_allowed(user.id):
            return
        if not self.refusals.allow(user.id):
            raise ApplicationHandlerStop
        log.info("refused user %s", user.id)
        bot: Any = context.bot  # an ExtBot of our ChatRateLimiter, which takes Retries
        try:
            if update.callback_query is not None:
                await bot.answer_callback_query(update.callback_query.id, say.REFUSED, rate_limit_args=NO_RETRY)
            elif message is not None:
                await bot.send_message(message.chat_id, say.REFUSED, rate_limit_args=NO_RETRY)
        except TelegramError as err:
            log.info("could not refuse user %s: %s", user.id, err)
        raise ApplicationHandlerStop

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Text and commands → the dialogue."""
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        text = addressed_text(message, context.bot.username, context.bot.id) or ""
        command = command_of(text)
        if command is not None and command not in say.DIALOGUE_COMMANDS:
            await self.delivery.send(context.bot, message.chat_id, [Reply(say.UNKNOWN_COMMAND)])
            return
        digest = _digest("m", text)
        key = f"tg:{message.chat_id}:{user.id}:m{message.message_id}:{digest}"
        origin = Origin(user.id, key, digest, message.date.timestamp())
        await self.converse(context.bot, message.chat, user.id, text, origin)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press → its option data → the dialogue."""
        query, chat, user = update.callback_query, update.effective_chat, update.effective_user
        assert query is not None and user is not None
        data = query.data or ""
        if chat is None or not is_option_data(data):
            await _answer(query, say.STALE_BUTTON)
            return
        await _answer(query)
        message_id = query.message.message_id if query.message is not None else ""
        digest = _digest("b", message_id, data)
        origin = Origin(user.id, f"tg:{chat.id}:{user.id}:q{query.id}:{digest}", digest, time.time())
        await self.converse(context.bot, chat, user.id, data, origin, button=True)

    async def converse(self, bot: Bot, chat: Chat, user_id: int, text: str, origin: Origin,
                       button: bool = False) -> None:
        """One input to the dialogue (in a worker thread: SQLite and retrieval), replies back.

        A message the user sent again because no answer came (same content, before the held-up
        answer reached them) gets a note instead of being applied twice. In a group, replies that
        show a draft go to the author's private chat."""
        chat_id = chat.id
        if self.delivery.resent(chat_id, origin, button):
            log.info("chat %s: user %s sent an input again while its answer was held up", chat_id, user_id)
            await self.delivery.send(bot, chat_id, [Reply(say.RESENT)])
            return
        typing = asyncio.create_task(_typing(bot, chat_id, delay=TYPING_AFTER))
        stream = SectionStream(bot, chat_id, asyncio.get_running_loop())
        try:
            replies = await asyncio.to_thread(self.dialogue.handle, f"tg:{user_id}", text, origin.key, stream.sink)
        finally:
            typing.cancel()  # a quick answer needs no "typing…" (it would cost a request of the 30/s)
            await stream.finish()
        in_group = chat.type != ChatType.PRIVATE
        if in_group and any(r.private or r.files for r in replies):
            outcome = await self.delivery.send(bot, user_id, replies)
            note = say.START_PRIVATE_CHAT if outcome is Outcome.REFUSED else say.SENT_PRIVATELY
            await self.delivery.send(bot, chat_id, [Reply(note)], origin)
            return
        await self.delivery.send(bot, chat_id, replies, origin)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Edits are not replayed into the dialogue; ask for a new message."""
        assert update.edited_message is not None
        await self.delivery.send(context.bot, update.edited_message.chat_id, [Reply(say.EDITED)])

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, locations…: explain what the bot understands."""
        assert update.message is not None
        await self.delivery.send(context.bot, update.message.chat_id, [Reply(say.NOT_TEXT)])

    # -- admins ---------------------------------------------------------------------------------
    async def _from_admin(self, update: Update, context: ContextTypes.DEFAULT_TYPE, refusal: str) -> Message | None:
        """The update's message when an admin sent it; anyone else gets ``refusal`` and None."""
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        if self.is_admin(user.id):
            return message
        await self.delivery.send(context.bot, message.chat_id, [Reply(refusal)])
        return None

    async def _tell(self, bot: Bot, chat_id: int, text: str) -> None:
        await self.delivery.send(bot, chat_id, [Reply(text)])

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An admin's file (any of ``SUPPORTED``) joins the corpus (bot.ingest.uploads); the index is rebuilt."""
        message = await self._from_admin(update, context, say.ADMINS_ONLY)
        if message is None:
            return
        assert message.document is not None
        name = message.document.file_name or "upload.txt"
        limit = uploads.limit_bytes(self.settings, BOT_DOWNLOAD_LIMIT)
        refused = uploads.refusal(name, message.document.file_size or 0, limit)
        if refused:
            await self._tell(context.bot, message.chat_id, refused)
            return
        data = await _download(message.document)
        if data is None:
            await self._tell(context.bot, message.chat_id, say.DOWNLOAD_FAILED.format(name=shown_name(name)))
            return
        try:
            await asyncio.to_thread(uploads.check, data, name, limit)
        except IngestError as err:
            await self._tell(context.bot, message.chat_id, str(err))
            return
        try:
            saved, note = await asyncio.to_thread(uploads.save, uploads.uploads_dir(self.settings), name, data)
        except OSError as err:
            if not is_disk_full(err):
                raise
            await self._tell(context.bot, message.chat_id, f"{shown_name(name)}：{uploads.DISK_FULL}")
            return
        log.info("admin %s uploaded %s (%d bytes)", message.from_user.id if message.from_user else None,
                 saved.name, len(data))
        await self.rebuild(context.bot, message.chat_id, f"已收到《{saved.name}》{note}，")

    async def on_reindex(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/reindex (admins): rebuild the index over the corpus and the uploads."""
        message = await self._from_admin(update, context, say.ADMIN_COMMAND_ONLY)
        if message is None:
            return
        await self.rebuild(context.bot, message.chat_id, "")

    async def on_stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stats (admins): the report of the live index."""
        message = await self._from_admin(update, context, say.ADMIN_COMMAND_ONLY)
        if message is None:
            return
        snapshot = await asyncio.to_thread(load_current, self.settings.index_dir)
        if snapshot is None:
            await self._tell(context.bot, message.chat_id, say.NO_INDEX)
            return
        meta = snapshot.meta
        lines = ["索引统计：", *[str(line) for line in meta.get("report", [])],
                 f"段落 {len(snapshot.passages)} 个；建立于 {meta.get('built_at', '未知')}；模型：{meta.get('model')}"]
        await self._tell(context.bot, message.chat_id, "\n".join(lines))

    async def rebuild(self, bot: Bot, chat_id: int, intro: str) -> None:
        """Rebuilds the index in a thread, editing one status message with the progress."""
        waiting = self._indexing.locked()
        status = await bot.send_message(
            chat_id, f"{intro}{'另一次索引更新正在进行，完成后开始……' if waiting else '正在更新索引……'}")
        async with self._indexing:
            latest: list[str] = []

            def progress(stage: str, done: int, total: int) -> None:  # called from the worker thread
                latest[:] = [f"{intro}正在更新索引：{stage} {done}/{total}"]

            build = asyncio.create_task(asyncio.to_thread(uploads.rebuild, self.settings, progress))
            shown = status.text or ""
            while not build.done():
                await asyncio.wait({build}, timeout=PROGRESS_INTERVAL)
                if latest and latest[0] != shown and not build.done():
                    shown = latest[0]
                    await _edit_quietly(status, shown)
            try:
                result = build.result()
            except (IngestError, IndexingError) as err:
                await status.edit_text(f"索引更新失败，原索引保持不变：{err}")
                return
            except OSError as err:
                if not is_disk_full(err):
                    raise
                await status.edit_text("存储空间已满，索引更新失败，原索引保持不变。请清理空间后发送 /reindex。")
                return
        chunks = split_text("\n".join(uploads.report(result)))
        await status.edit_text(chunks[0])
        if chunks[1:]:
            await self.delivery.send(bot, chat_id, [Reply(c) for c in chunks[1:]])


async def _download(document: Document) -> bytes | None:
    """The file's bytes, trying again after a pause when Telegram fails; None if it keeps failing."""
    for attempt, pause in enumerate((*DOWNLOAD_PAUSES, None), start=1):
        try:
            return bytes(await (await document.get_file()).download_as_bytearray())
        except (BadRequest, Forbidden) as err:  # e.g. "file is too big": trying again cannot help
            log.warning("download of an upload refused by Telegram: %s", err)
            return None
        except (NetworkError, RetryAfter, TelegramError) as err:
            if pause is None:
                log.warning("download of an upload failed %d times: %s", attempt, err)
                return None
            log.info("download of an upload failed (%s); trying again in %.0f s", err, pause)
            await asyncio.sleep(pause)
    return None


async def _typing(bot: Bot, chat_id: int, delay: float = 0.0) -> None:
    await asyncio.sleep(delay)
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as err:  # a missing "typing…" is not worth failing the reply
        log.debug("chat action failed: %s", err)


async def _answer(query: CallbackQuery, text: str | None = None) -> None:
    try:
        await query.answer(text)
    except TelegramError as err:  # too old (queued while the bot was down), or Telegram away: still handle the press
        log.info("could not answer callback query: %s", err)


async def _edit_quietly(message: Message, text: str) -> None:
    try:
        await message.edit_text(text)
    except TelegramError as err:  # progress is best effort; the final report is not
        log.debug("progress edit failed: %s", err)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs every failure (ids and lengths, never what the user wrote); tells the user, when
    there is one, that their input is safe."""
    if update is None and isinstance(context.error, NetworkError):  # polling hiccup, retried
        log.warning("network error: %s", context.error)
        return
    log.error("failed to handle %s: %s", describe(update), failure(context.error) if context.error else "?")
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, say.FAILED)
        except (TelegramError, TypeError, ValueError):
            log.warning("could not tell chat %s about the failure", update.effective_chat.id)
