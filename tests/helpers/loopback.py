"""Serving a fake HTTP server (an aiohttp application) on loopback, for the tests."""

from __future__ import annotations

from aiohttp import web


async def serve(app: web.Application, port: int) -> web.AppRunner:
    """Serve ``app`` on ``127.0.0.1:port``; it stops when the runner is cleaned up."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner
