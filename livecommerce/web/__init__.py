"""aiohttp adapters: pages, API and (later) the chat relay, on one port."""
