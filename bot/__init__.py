"""社区工作文稿起草助手: a drafting assistant for community staff.

The package is a functional core (``text``, ``ingest``, ``retrieval``, ``drafting``)
with adapters at the edges (``channels`` for Telegram and the terminal, the Chroma
and model adapters in ``retrieval``, the SQLite store in ``drafting``).
"""
