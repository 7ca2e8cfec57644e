"""``drafter serve``: the dialogue over Telegram (python-telegram-bot, long polling).

Handlers are thin: an update becomes ``Dialogue.handle(f"tg:{user_id}", text)`` and the
replies become Telegram messages, buttons and documents. The dialogue persists every input
and state in SQLite, so this adapter holds no conversation state and a restart (even
``kill -9``) resumes every user where they were.

Run it with ``TELEGRAM_BOT_TOKEN=... DRAFTER_ALLOWED_USERS=123,456 drafter serve``.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import logging
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TypeVar
from urllib.parse import urlparse

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.inbox import Dispatcher, Inbox, Item
from bot.config import DEFAULT_CORPUS, Settings
from bot.drafting.dialogue import Dialogue
from bot.drafting.replies import Option, Reply, is_option_data
from bot.ingest.loaders import FORMATS_SHOWN, SUPPORTED, IngestError, read_bytes, unsupported_message
from bot.retrieval.store import IndexStore, StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_TEXT = 4096  # Telegram's limit, in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes
BOT_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # bots cannot download larger files
PROGRESS_INTERVAL = 1.0  # seconds between edits of an indexing status message
POLL_TIMEOUT = 25  # seconds a getUpdates call may wait for news
MAX_BACKOFF = 30.0  # seconds between getUpdates retries while Telegram is unreachable
TYPING_AFTER = 0.5  # seconds of work before the bot shows "typing…"
HANDLERS_AT_ONCE = 16  # users handled concurrently (each user's updates stay in order)
SEND_ATTEMPTS = 6  # tries per message while Telegram is unreachable (pauses 1, 2, 4, 8, 16 s)
DRAIN_SECONDS = 20.0  # on SIGTERM, time for handlers in flight before the rest waits for the next start

REFUSED = "抱歉，您没有使用权限，请联系管理员开通。"
STALE_BUTTON = "按钮已过期，请重新操作"
FAILED = "抱歉，处理时出错了，您的输入已保存，请稍后重试。"
NOT_TEXT = f"目前只能处理文字消息和 {FORMATS_SHOWN} 文件。"
EDITED = "已收到修改，但我只处理新发送的消息，请重新发送修改后的内容。"
ADMINS_ONLY = "只有管理员可以上传语料文件。"
ADMIN_COMMAND_ONLY = "只有管理员可以使用这个命令。"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看可用命令。"
NO_TOKEN = ("未设置 TELEGRAM_BOT_TOKEN，无法启动 Telegram 机器人。请在环境变量或 .env 中设置机器人令牌后重试；"
            "没有令牌时可以用 drafter chat 在终端中使用。")
BAD_TOKEN = "Telegram 拒绝了机器人令牌（TELEGRAM_BOT_TOKEN 令牌无效或已被撤销）。请向 @BotFather 核对令牌后重新启动。"
NO_WEBHOOKS = "Webhook 模式需要安装 python-telegram-bot[webhooks]；或者不设置 DRAFTER_WEBHOOK_URL，改用长轮询。"

COMMANDS = (
    ("new", "新建文稿"), ("section", "单独起草一段"), ("drafts", "我的草稿"), ("draft", "查看当前草稿"),
    ("export", "导出Word"), ("search", "检索以往材料"), ("phrases", "查找范例句子"), ("cancel", "保存并退出"),
    ("help", "帮助"),
)
ADMIN_COMMANDS = (("reindex", "重建语料索引"), ("stats", "索引统计"))
DIALOGUE_COMMANDS = frozenset({"start", *(name for name, _ in COMMANDS)})

# The shapes of the dialogue's option data (see bot.drafting.dialogue); anything else is not ours.
COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?")
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]")


# -- pure helpers -------------------------------------------------------------------------------
def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT, separators: Sequence[str] = ("\n\n", "\n")) -> list[str]:
    """Chunks of at most ``limit`` UTF-16 units, cut at paragraphs, then lines, then anywhere."""
    if _units(text) <= limit:
        return [text] if text.strip() else []
    if not separators:
        chunks, start, size = [], 0, 0
        for i, ch in enumerate(text):
            width = 2 if ord(ch) > 0xFFFF else 1
            if size + width > limit:
                chunks.append(text[start:i])
                start, size = i, 0
            size += width
        return [c for c in (*chunks, text[start:]) if c.strip()]
    sep, finer = separators[0], separators[1:]
    chunks, current = [], ""
    for part in text.split(sep):
        joined = f"{current}{sep}{part}" if current else part
        if _units(joined) <= limit:
            current = joined
            continue
        if current.strip():
            chunks.append(current)
        pieces = split_text(part, limit, finer) or [""]
        chunks.extend(pieces[:-1])
        current = pieces[-1]
    if current.strip():
        chunks.append(current)
    return chunks


def keyboard(options: Sequence[Option]) -> InlineKeyboardMarkup | None:
    """Inline buttons, three to a row when labels are short, else two."""
    buttons = [InlineKeyboardButton(o.label, callback_data=o.data) for o in options
               if len(o.data.encode()) <= MAX_CALLBACK_DATA]
    if not buttons:
        return None
    per_row = 3 if max(len(o.label) for o in options) <= 6 else 2
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """The text meant for the bot (mention and ``@bot`` suffix removed), or None if not addressed.

    Private chats are always addressed; in groups only commands for this bot, mentions of it
    and replies to its messages are."""
    text = message.text or message.caption or ""
    command = COMMAND.match(text)
    if command and command.group(2):
        if command.group(2).lower() != bot_username.lower():
            return None
        text = f"/{command.group(1)}{text[command.end():]}"
    mention = re.compile(rf"@{re.escape(bot_username)}\b", re.IGNORECASE)
    mentioned = bool(mention.search(text))
    text = mention.sub("", text).strip()
    replied = message.reply_to_message is not None and message.reply_to_message.from_user is not None \
        and message.reply_to_message.from_user.id == bot_id
    if message.chat.type == ChatType.PRIVATE or command or mentioned or replied:
        return text
    return None


def safe_filename(name: str, max_stem: int = 80, max_bytes: int = 240) -> str:
    """A plain file name: no folders, control or reserved characters, same extension, at most
    ``max_stem`` characters and ``max_bytes`` UTF-8 bytes (file systems take 255 bytes, and the
    temporary ".name.part" and a "-2" for a taken name must still fit)."""
    base = PurePosixPath(PurePosixPath(name.replace("\\", "/")).name)
    stem = UNSAFE_NAME.sub("", base.stem).strip(" .")[:max_stem]
    stem = stem.encode("utf-8", "ignore")[:max_bytes].decode("utf-8", "ignore") or "upload"
    return stem + UNSAFE_NAME.sub("", base.suffix).lower()[:8]


def shown_name(name: str, limit: int = 40) -> str:
    """A file name as quoted back to the user: cleaned and short."""
    safe = safe_filename(name)
    if len(safe) <= limit:
        return safe
    suffix = PurePosixPath(safe).suffix
    return f"{safe[:limit - len(suffix) - 1]}…{suffix}"


# -- the handlers -------------------------------------------------------------------------------
class TelegramChannel:
    """Handlers bound to one dialogue and one set of settings."""

    def __init__(self, settings: Settings, dialogue: Dialogue) -> None:
        self.settings = settings
        self.dialogue = dialogue
        self.uploads_dir = settings.data_dir / "uploads"
        self._indexing = asyncio.Lock()  # one index build at a time

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.settings.admins

    def is_allowed(self, user_id: int) -> bool:
        return user_id in self.settings.allowed_users or self.is_admin(user_id)

    async def guard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Drops updates not meant for the bot and refuses users without access."""
        user, message = update.effective_user, update.message or update.edited_message
        if user is None or user.is_bot or (message is None and update.callback_query is None):
            raise ApplicationHandlerStop
        if message is not None and addressed_text(message, context.bot.username, context.bot.id) is None:
            raise ApplicationHandlerStop
        if self.is_allowed(user.id):
            return
        log.info("refused user %s", user.id)
        if update.callback_query is not None:
            await _answer(update.callback_query, REFUSED)
        elif message is not None:
            await message.reply_text(REFUSED)
        raise ApplicationHandlerStop

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Text and commands → the dialogue."""
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        text = addressed_text(message, context.bot.username, context.bot.id) or ""
        command = COMMAND.match(text)
        if command and command.group(1).lower() not in DIALOGUE_COMMANDS:
            await message.reply_text(UNKNOWN_COMMAND)
            return
        await self.converse(context.bot, message.chat_id, user.id, text, update.update_id)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press → its option data → the dialogue."""
        query, chat, user = update.callback_query, update.effective_chat, update.effective_user
        assert query is not None and user is not None
        data = query.data or ""
        if chat is None or not is_option_data(data):
            await _answer(query, STALE_BUTTON)
            return
        await _answer(query)
        await self.converse(context.bot, chat.id, user.id, data, update.update_id)

    async def converse(self, bot: Bot, chat_id: int, user_id: int, text: str, update_id: int) -> None:
        """One input to the dialogue (in a worker thread: SQLite and retrieval), replies back.

        The update id keys the input: a redelivered update is answered again, never applied twice."""
        typing = asyncio.create_task(_typing(bot, chat_id, delay=TYPING_AFTER))
        try:
            replies = await asyncio.to_thread(self.dialogue.handle, f"tg:{user_id}", text, f"tg:{update_id}")
        finally:
            typing.cancel()  # a quick answer needs no "typing…" (it would cost a request of the 30/s)
        await send_replies(bot, chat_id, replies)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Edits are not replayed into the dialogue; ask for a new message."""
        assert update.edited_message is not None
        await update.edited_message.reply_text(EDITED)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, locations…: explain what the bot understands."""
        assert update.message is not None
        await update.message.reply_text(NOT_TEXT)

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An admin's file (any of ``SUPPORTED``) joins the corpus; the index is rebuilt."""
        message = await self._from_admin(update, ADMINS_ONLY)
        if message is None:
            return
        assert message.document is not None
        name = message.document.file_name or "upload.txt"
        limit = min(int(self.settings.max_file_mb * 1024 * 1024), BOT_DOWNLOAD_LIMIT)
        size = message.document.file_size or 0
        if Path(name).suffix.lower() not in SUPPORTED:
            await message.reply_text(unsupported_message(name))
            return
        if size > limit:
            await message.reply_text(f"{shown_name(name)}：文件过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB。")
            return
        data = bytes(await (await message.document.get_file()).download_as_bytearray())
        try:
            await asyncio.to_thread(read_bytes, data, name, limit)
        except IngestError as err:
            await message.reply_text(str(err))
            return
        saved, note = await asyncio.to_thread(self._save_upload, name, data)
        log.info("admin %s uploaded %s", update.effective_user.id, saved)  # type: ignore[union-attr]  # checked above
        await self.rebuild(context.bot, message.chat_id, f"已收到《{saved.name}》{note}，")

    def _save_upload(self, name: str, data: bytes) -> tuple[Path, str]:
        """Writes the upload under ``uploads/``; never over a different file of the same name.

        Returns the path and a note for the admin when the name was taken."""
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        path = self.uploads_dir / safe_filename(name)
        if path.resolve().parent != self.uploads_dir.resolve():
            raise ValueError(f"unsafe upload path: {path}")
        note = ""
        if path.exists():
            if path.read_bytes() == data:
                return path, "（与已有的同名文件内容相同）"
            for n in range(2, 1000):
                candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
                if not candidate.exists():
                    note = f"（已有同名文件，新文件另存为《{candidate.name}》，原文件保留）"
                    path = candidate
                    break
        tmp = path.with_name(f".{path.name}.part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return path, note

    async def _from_admin(self, update: Update, refusal: str) -> Message | None:
        """The update's message when an admin sent it; anyone else gets ``refusal`` and None."""
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        if self.is_admin(user.id):
            return message
        await message.reply_text(refusal)
        return None

    async def on_reindex(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/reindex (admins): rebuild the index over the corpus and the uploads."""
        message = await self._from_admin(update, ADMIN_COMMAND_ONLY)
        if message is None:
            return
        await self.rebuild(context.bot, message.chat_id, "")

    async def on_stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stats (admins): the report of the live index."""
        message = await self._from_admin(update, ADMIN_COMMAND_ONLY)
        if message is None:
            return
        snapshot = await asyncio.to_thread(IndexStore(self.settings).load)
        if snapshot is None:
            await message.reply_text("还没有索引。发送 /reindex 建立索引。")
            return
        meta = snapshot.meta
        lines = ["索引统计：", *[str(line) for line in meta.get("report", [])],  # type: ignore[attr-defined]
                 f"段落 {len(snapshot.passages)} 个；建立于 {meta.get('built_at', '未知')}；模型：{meta.get('model')}"]
        await send_replies(context.bot, message.chat_id, [Reply("\n".join(lines))])

    async def rebuild(self, bot: Bot, chat_id: int, intro: str) -> None:
        """Rebuilds the index in a thread, editing one status message with the progress."""
        waiting = self._indexing.locked()
        status = await bot.send_message(
            chat_id, f"{intro}{'另一次索引更新正在进行，完成后开始……' if waiting else '正在更新索引……'}")
        async with self._indexing:
            self.uploads_dir.mkdir(parents=True, exist_ok=True)
            latest: list[str] = []

            def progress(stage: str, done: int, total: int) -> None:  # called from the worker thread
                latest[:] = [f"{intro}正在更新索引：{stage} {done}/{total}"]

            build = asyncio.create_task(asyncio.to_thread(
                IndexStore(self.settings).build, [DEFAULT_CORPUS, self.uploads_dir], progress))
            shown = status.text or ""
            while not build.done():
                await asyncio.wait({build}, timeout=PROGRESS_INTERVAL)
                if latest and latest[0] != shown and not build.done():
                    shown = latest[0]
                    await _edit_quietly(status, shown)
            try:
                result = build.result()
            except (IngestError, StoreError) as err:
                await status.edit_text(f"索引更新失败，原索引保持不变：{err}")
                return
        lines = ["索引已更新：" if result.changed else "语料未变化，索引无需更新：", *result.report.lines(),
                 *(f"跳过：{err}" for err in result.errors)]
        chunks = split_text("\n".join(lines))
        await status.edit_text(chunks[0])
        for chunk in chunks[1:]:
            await bot.send_message(chat_id, chunk)


async def send_replies(bot: Bot, chat_id: int, replies: Sequence[Reply]) -> None:
    """Each reply as messages (long text split, buttons on the last chunk), then its files.

    Each message is retried while Telegram is unreachable (the rate limiter handles 429s)."""
    for reply in replies:
        chunks = split_text(reply.text) or (["请选择："] if reply.options else [])
        for i, chunk in enumerate(chunks):
            markup = keyboard(reply.options) if i == len(chunks) - 1 else None
            await _persist(lambda chunk=chunk, markup=markup: bot.send_message(chat_id, chunk, reply_markup=markup))
        for path in reply.files:
            caption = "Word 文稿已生成，请下载后核对、修改。" if path.suffix == ".docx" else "文稿已生成，请下载查看。"
            data = await asyncio.to_thread(path.read_bytes)
            await _persist(lambda path=path, data=data, caption=caption: bot.send_document(
                chat_id, data, filename=path.name, caption=caption))


async def _persist(send: Callable[[], Awaitable[T]], attempts: int = SEND_ATTEMPTS) -> T:
    """``send()``, retried with growing pauses on network errors and 5xx (not on bad requests)."""
    for attempt in range(1, attempts + 1):
        try:
            return await send()
        except BadRequest:
            raise
        except NetworkError as err:  # includes TimedOut; a timed-out message may arrive twice
            if attempt == attempts:
                raise
            pause = min(2.0 ** (attempt - 1), MAX_BACKOFF)
            log.warning("sending failed (%s); attempt %d of %d in %.0f s", err, attempt + 1, attempts, pause)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")


def _warm_up(library: object) -> None:
    try:
        library.search("社区工作")  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a missing or broken index is reported when a user searches
        log.warning("could not warm up the retriever", exc_info=True)


async def _typing(bot: Bot, chat_id: int, delay: float = 0.0) -> None:
    await asyncio.sleep(delay)
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as err:  # a missing "typing…" is not worth failing the reply
        log.debug("chat action failed: %s", err)


async def _answer(query: CallbackQuery, text: str | None = None) -> None:
    try:
        await query.answer(text)
    except BadRequest as err:  # too old (e.g. queued while the bot was down): still handle the press
        log.info("could not answer callback query: %s", err)


async def _edit_quietly(message: Message, text: str) -> None:
    try:
        await message.edit_text(text)
    except TelegramError as err:  # progress is best effort; the final report is not
        log.debug("progress edit failed: %s", err)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs every failure; tells the user, when there is one, that their input is safe."""
    if update is None and isinstance(context.error, NetworkError):  # polling hiccup, retried by PTB
        log.warning("network error: %s", context.error)
        return
    log.error("failed to handle update %s", update, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, FAILED)
        except TelegramError:
            log.exception("could not tell the user about the failure")


# -- wiring ---------------------------------------------------------------------------------------
def build_application(settings: Settings, dialogue: Dialogue | None = None,
                      request: BaseRequest | None = None) -> Application:  # type: ignore[type-arg]
    """The bot: handlers, rate limiter, timeouts; ``request`` replaces HTTP (tests)."""
    from bot.services import make_dialogue

    channel = TelegramChannel(settings, dialogue or make_dialogue(settings))

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        commands = [BotCommand(name, text) for name, text in COMMANDS]
        await application.bot.set_my_commands(commands)
        for admin in settings.admins:
            try:
                admin_commands = commands + [BotCommand(n, t) for n, t in ADMIN_COMMANDS]
                await application.bot.set_my_commands(admin_commands, scope=BotCommandScopeChat(admin))
            except TelegramError as err:  # the admin has not opened a chat with the bot yet
                log.warning("could not set admin commands for %s: %s", admin, err)
        if channel.dialogue.library is not None:  # open the index and load jieba before the first user
            await asyncio.to_thread(_warm_up, channel.dialogue.library)
        if not settings.allowed_users and not settings.admins:
            log.warning("DRAFTER_ALLOWED_USERS and DRAFTER_ADMINS are both empty: nobody may use the bot")
        log.info("Telegram bot @%s is running", application.bot.username)

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        channel.dialogue.store.close()

    builder = (ApplicationBuilder().token(settings.telegram_bot_token)
               .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3))
               .post_init(post_init).post_shutdown(post_shutdown))
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = (builder.connect_timeout(10).read_timeout(20).write_timeout(20).pool_timeout(10)
                   .media_write_timeout(60).get_updates_read_timeout(30))
    application = builder.build()

    edited = filters.UpdateType.EDITED_MESSAGE
    new = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, channel.guard), group=-1)
    application.add_handler(MessageHandler(edited, channel.on_edited))
    application.add_handler(CommandHandler("reindex", channel.on_reindex, filters=new))
    application.add_handler(CommandHandler("stats", channel.on_stats, filters=new))
    application.add_handler(MessageHandler(new & filters.TEXT, channel.on_text))
    application.add_handler(MessageHandler(new & filters.Document.ALL, channel.on_document))
    application.add_handler(MessageHandler(new, channel.on_other))
    application.add_handler(CallbackQueryHandler(channel.on_button))
    application.add_error_handler(on_error)
    return application


def run_telegram(settings: Settings) -> int:
    """Serves until stopped (SIGINT/SIGTERM); long polling, or a webhook when configured."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.telegram_bot_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if settings.webhook_url and importlib.util.find_spec("tornado") is None:
        print(NO_WEBHOOKS, file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(settings))
    except InvalidToken as err:
        log.critical("Telegram refused the bot token: %s", err)
        print(BAD_TOKEN, file=sys.stderr)
        return 2


async def serve(settings: Settings, application: Application | None = None,  # type: ignore[type-arg]
                stop: asyncio.Event | None = None) -> int:
    """Runs the bot through the durable inbox until ``stop`` is set (or SIGINT/SIGTERM).

    Updates come from our own long-polling loop, which confirms a batch to Telegram only after it
    is stored (or from PTB's webhook server); the dispatcher handles each user's updates in order
    and different users concurrently."""
    application = application or build_application(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests)
            pass
    inbox = Inbox(settings.data_dir / "inbox.sqlite3")

    async def handle(item: Item) -> None:
        await application.process_update(Update.de_json(item.body, application.bot))

    dispatcher = Dispatcher(inbox, handle, limit=HANDLERS_AT_ONCE)
    try:
        async with application:  # initialize … shutdown
            if application.post_init is not None:
                await application.post_init(application)
            await asyncio.to_thread(inbox.prune)
            replay = await asyncio.to_thread(inbox.pending)
            if replay:
                log.info("handling %d update(s) received before the last stop", len(replay))
            dispatcher.submit(replay)
            source = _webhook if settings.webhook_url else _poll
            code = await source(application, settings, inbox, dispatcher, stop)
            stop.set()
            if not await dispatcher.drain(DRAIN_SECONDS):
                log.warning("stopped with updates still being handled; they run again on the next start")
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
            return code
    finally:
        inbox.close()


async def _unless_stopped(work: Awaitable[T], stopping: asyncio.Task[object]) -> asyncio.Task[T] | None:
    """``work`` as a finished task, or None (``work`` cancelled) if ``stopping`` finishes first."""
    task = asyncio.ensure_future(work)
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        return task
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None


async def _store(inbox: Inbox, dispatcher: Dispatcher, updates: Sequence[Update]) -> None:
    """Into the inbox first, then to their handlers (only the ones not seen before)."""
    dispatcher.submit(await asyncio.to_thread(inbox.add, [u.to_dict() for u in updates]))


async def _poll(application: Application, settings: Settings, inbox: Inbox,  # type: ignore[type-arg]
                dispatcher: Dispatcher, stop: asyncio.Event) -> int:
    """Long polling that confirms a batch only once it is in the inbox (the next call's offset)."""
    bot = application.bot
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None  # none: Telegram sends every unconfirmed update (the inbox drops repeats)
    delay = 0.0
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            fetch = await _unless_stopped(
                bot.get_updates(offset=offset, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES), stopping)
            if fetch is None:  # stopping: a batch not yet stored is not confirmed either
                break
            try:
                updates = fetch.result()
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
                if updates:
                    await _store(inbox, dispatcher, updates)
                    offset = updates[-1].update_id + 1
            if delay:
                await _unless_stopped(asyncio.sleep(delay), stopping)
    finally:
        stopping.cancel()
    if offset is not None:  # confirm the last stored batch so Telegram does not resend it
        try:
            await bot.get_updates(offset=offset, timeout=0, allowed_updates=Update.ALL_TYPES)
        except TelegramError as err:
            log.info("could not confirm the last batch (it will be deduplicated): %s", err)
    return 0


async def _webhook(application: Application, settings: Settings, inbox: Inbox,  # type: ignore[type-arg]
                   dispatcher: Dispatcher, stop: asyncio.Event) -> int:
    """PTB's webhook server feeds its queue; each update is stored, then dispatched."""
    assert application.updater is not None and settings.telegram_bot_token
    secret = hashlib.sha256(settings.telegram_bot_token.encode()).hexdigest()[:32]
    await application.updater.start_webhook(
        listen=settings.webhook_listen, port=settings.webhook_port, url_path=urlparse(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False)
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            get = await _unless_stopped(application.update_queue.get(), stopping)
            if get is None:
                break
            update = get.result()
            if isinstance(update, Update):
                await _store(inbox, dispatcher, [update])
    finally:
        stopping.cancel()
        await application.updater.stop()
    return 0
