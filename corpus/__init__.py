"""This folder is data, not code: our sample corpus (fictional communities), indexed when no
other folder is given. This file only lets the folder ship inside the installed package as
``bot.corpus`` (see pyproject.toml), where bot.config finds it; indexing reads only documents."""
