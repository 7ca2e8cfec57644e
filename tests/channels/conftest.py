"""Fixtures of the in-process handler tests: settings with one user and one admin, the recording
Bot API, the real dialogue, and the Application built over them (started, so non-blocking
handlers run)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.channels.telegram import build_application
from bot.config import Settings
from bot.drafting.dialogue import Dialogue
from bot.services import make_dialogue

from .recording import RecordingRequest

USER, ADMIN, STRANGER = 1001, 2002, 9999


@pytest.fixture
def tg_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", allowed_users=[USER], admins=[ADMIN],
                    telegram_bot_token="123:ABC", telegram_base_url="", telegram_base_file_url="")


@pytest.fixture
def request_() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
def dialogue(tg_settings: Settings) -> Dialogue:
    return make_dialogue(tg_settings)


@pytest.fixture
async def app(tg_settings: Settings, dialogue: Dialogue, request_: RecordingRequest) -> AsyncIterator[Application]:
    application = build_application(tg_settings, dialogue=dialogue, request=request_)
    async with application:
        await application.start()  # runs non-blocking handlers (documents) to completion
        yield application
        await application.stop()


