"""The product's rules, in plain Python: no asyncio, no I/O, no framework.

Everything here takes data in and hands decisions out; the clock is passed in as `now`.
"""
