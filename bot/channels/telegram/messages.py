"""What the Telegram adapter says, in Simplified Chinese, and the command menu."""

from __future__ import annotations

from bot.ingest.loaders import FORMATS_SHOWN

REFUSED = "抱歉，您没有使用权限，请联系管理员开通。"
STALE_BUTTON = "按钮已过期，请重新操作"
FAILED = "抱歉，处理时出错了，您的输入已保存，请稍后重试。"
NOT_TEXT = f"目前只能处理文字消息和 {FORMATS_SHOWN} 文件。"
EDITED = "已收到修改，但我只处理新发送的消息，请重新发送修改后的内容。"
ADMINS_ONLY = "只有管理员可以上传语料文件。"
ADMIN_COMMAND_ONLY = "只有管理员可以使用这个命令。"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看可用命令。"
RESENT = "这条消息与您刚才发送的相同，只记录了一次，回复见上方。"
SENT_PRIVATELY = "草稿内容已私信发给您，请在与我的私聊中查看。"
START_PRIVATE_CHAT = "草稿内容只能私信发送：请先打开与我的私聊并发送 /start，然后在私聊中发送 /draft 或 /export。"
DOWNLOAD_FAILED = "《{name}》下载失败（Telegram 暂时无法提供这个文件），文件没有导入。请稍后重新发送这个文件。"
UPLOAD_CAPTION_DOCX = "Word 文稿已生成，请下载后核对、修改。"
UPLOAD_CAPTION_OTHER = "文稿已生成，请下载查看。"
CHOOSE = "请选择："
NO_INDEX = "还没有索引。发送 /reindex 建立索引。"

# Operator messages (stderr), for a bot that cannot start.
NO_TOKEN = ("未设置 TELEGRAM_BOT_TOKEN，无法启动 Telegram 机器人。请在环境变量或 .env 中设置机器人令牌后重试；"
            "没有令牌时可以用 drafter chat 在终端中使用。")
BAD_TOKEN = "Telegram 拒绝了机器人令牌（TELEGRAM_BOT_TOKEN 令牌无效或已被撤销）。请向 @BotFather 核对令牌后重新启动。"
NO_WEBHOOKS = "Webhook 模式需要安装 python-telegram-bot[webhooks]；或者不设置 DRAFTER_WEBHOOK_URL，改用长轮询。"
ALREADY_SERVING = ("数据目录 {data_dir} 已有另一个 drafter serve 在运行（锁文件 {lock} 已被占用{holder}）。"
                   "同一个数据目录只能运行一个机器人：请先停止另一个进程，或用 DRAFTER_DATA_DIR 为这个进程指定另一个数据目录。")
DRAFTS_GONE = ("草稿数据库 {path} {how}：所有草稿都不见了。如果文件被误删、清空或替换，请停止机器人，"
               "从备份恢复 {path} 后再启动；若确实要从空白开始，可以忽略这条提示。")
CANNOT_START_DISK_FULL = "磁盘已满，无法初始化数据文件 {path}，机器人无法启动。请清理磁盘空间后重新启动。"

COMMANDS = (
    ("new", "新建文稿"), ("section", "单独起草一段"), ("drafts", "我的草稿"), ("draft", "查看当前草稿"),
    ("export", "导出Word"), ("search", "检索以往材料"), ("phrases", "查找范例句子"), ("cancel", "保存并退出"),
    ("help", "帮助"),
)
ADMIN_COMMANDS = (("reindex", "重建语料索引"), ("stats", "索引统计"))
DIALOGUE_COMMANDS = frozenset({"start", *(name for name, _ in COMMANDS)})
