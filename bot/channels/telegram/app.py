"""The python-telegram-bot Application: handlers, the per-chat rate limiter, timeouts, commands."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeAlias

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.telegram.handlers import TelegramChannel, on_error
from bot.channels.telegram.messages import ADMIN_COMMANDS, COMMANDS
from bot.channels.telegram.ratelimit import ChatRateLimiter, Retries
from bot.config import Settings
from bot.drafting.dialogue import Dialogue
from bot.drafting.ports import Library

log = logging.getLogger(__name__)

CHANNEL = "channel"  # application.bot_data key of the TelegramChannel

# The Application build_application makes: our rate limiter's bot, python-telegram-bot's default contexts.
TelegramApp: TypeAlias = Application[ExtBot[Retries], ContextTypes.DEFAULT_TYPE, dict[Any, Any], dict[Any, Any],
                                     dict[Any, Any], JobQueue[ContextTypes.DEFAULT_TYPE]]


def channel_of(application: TelegramApp) -> TelegramChannel:
    channel = application.bot_data[CHANNEL]
    assert isinstance(channel, TelegramChannel)
    return channel


def _warm_up(library: Library) -> None:
    try:
        library.search("社区工作")
    except Exception:  # a missing or broken index is reported when a user searches
        log.warning("could not warm up the retriever", exc_info=True)


def build_application(settings: Settings, dialogue: Dialogue | None = None,
                      request: BaseRequest | None = None) -> TelegramApp:
    """The bot: handlers, rate limiter, timeouts; ``request`` replaces HTTP (tests)."""
    from bot.services import make_dialogue

    channel = TelegramChannel(settings, dialogue or make_dialogue(settings))

    async def post_init(application: TelegramApp) -> None:
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

    async def post_shutdown(application: TelegramApp) -> None:
        channel.dialogue.store.close()

    builder = (ApplicationBuilder().token(settings.telegram_bot_token)
               .rate_limiter(ChatRateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3))
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
    application = builder.updater(None).build()
    application.bot_data[CHANNEL] = channel

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
