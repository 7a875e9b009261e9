"""Asyncio orchestration: rooms and batched writers, between the core and the adapters."""
