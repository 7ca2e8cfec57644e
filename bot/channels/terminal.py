"""``drafter chat``: the dialogue in a terminal, interactive or driven line by line on stdin.

Options are printed numbered; a number or the option's text selects one.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.config import Settings
from bot.drafting.replies import Option, Reply


def show(reply: Reply, out: TextIO) -> None:
    print(reply.text, file=out)
    for i, option in enumerate(reply.options, 1):
        print(f"  [{i}] {option.label}", file=out)
    for path in reply.files:
        print(f"文件已保存：{path.resolve()}", file=out)
    print(file=out)


def resolve(line: str, options: tuple[Option, ...]) -> str:
    """A number or an option's label becomes that option's data; anything else is an answer."""
    text = line.strip()
    if text.isdigit() and options and 1 <= int(text) <= len(options):
        return options[int(text) - 1].data
    for option in options:
        if text == option.label or text == option.label.lstrip("✓ "):
            return option.data
    return text


class _Streamer:
    """Prints a section as the model writes it; a second attempt starts on a new line."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.attempt = 0

    def __call__(self, piece: str, attempt: int) -> None:
        if attempt != self.attempt:
            print("\n（重新撰写）\n" if self.attempt else "", end="", file=self.out)
            self.attempt = attempt
        print(piece, end="", file=self.out, flush=True)

    def end(self) -> None:
        """After an answer: a streamed text ends its line before the replies."""
        if self.attempt:
            print("\n", file=self.out)
            self.attempt = 0


def run_terminal(settings: Settings, user_id: str = "terminal", stdin: TextIO | None = None,
                 stdout: TextIO | None = None) -> int:
    from bot.services import make_dialogue

    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    dialogue = make_dialogue(settings)
    user = f"cli:{user_id}"
    interactive = stdin.isatty()
    streamer = _Streamer(out)
    session = dialogue.store.load_session(user)
    greeting = "欢迎使用社区工作文稿起草助手。发送 /new 新建文稿，/drafts 继续草稿，/help 查看帮助，/quit 退出程序。"
    if session.draft_id:
        greeting += "\n您有一份正在起草的文稿，发送 /drafts 或直接继续回答上一个问题。"
    options: tuple[Option, ...] = (Option("新建文稿", "a:new"), Option("我的草稿", "a:drafts"), Option("帮助", "a:help"))
    show(Reply(greeting, options), out)
    while True:
        if interactive:
            print("> ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            break
        text = line.rstrip("\n")
        if text.strip() in ("/quit", "/exit"):
            break
        if not text.strip():
            continue
        replies = dialogue.handle(user, resolve(text, options), on_chunk=streamer)
        streamer.end()
        for reply in replies:
            show(reply, out)
        if replies and replies[-1].options:
            options = replies[-1].options
    print("再见！草稿已保存。", file=out)
    dialogue.store.close()
    return 0
