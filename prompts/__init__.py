"""This folder is data, not code: the words, questions, templates and word lists drafter reads
(YAML, Jinja2, plain text), edited without programming. This file only lets the folder ship inside
the installed package as ``bot.prompts`` (see pyproject.toml), where bot.config finds it."""
