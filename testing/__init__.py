"""What tests/ and benchmarks/ share, and the product never imports: the edges we cannot reach
here, answered on 127.0.0.1 in their real protocols (``bot_api``: the Telegram Bot API,
``openai_api``: an OpenAI-compatible endpoint, both on ``loopback``), a deterministic embedder
(``embedder``), ``drafter`` as a child process (``processes``), simulated staff drafting through
the fake Bot API (``staff``) and a section brief staff would produce (``briefs``).

Not shipped in the wheel: it is imported from a checkout (pytest and ``python -m benchmarks``
put the project root on ``sys.path``).
"""
