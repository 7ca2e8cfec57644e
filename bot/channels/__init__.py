"""Adapters that carry the dialogue to people: the terminal and Telegram."""
