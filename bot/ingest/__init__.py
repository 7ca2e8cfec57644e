"""Ingestion: reading files (adapters) and turning them into passages (core)."""
