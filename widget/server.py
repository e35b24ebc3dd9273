"""Serve the demo clinic page and the widget bundle (development and tests only).

``/`` serves the files of ``--root`` (default ``widget/demo``); ``/dist/`` serves the
built bundle from ``widget/dist``. When ``--rasa-url`` (or env ``WIDGET_RASA_URL``) is
given, every ``data-server-url="…"`` in served HTML pages points there instead, so the
same demo page works against any Rasa port.

    python widget/server.py                 # 127.0.0.1:$WIDGET_PORT (default 8000)
    python widget/server.py --port 5380 --rasa-url http://127.0.0.1:5305
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import re
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger("widget.server")

WIDGET_DIR = Path(__file__).resolve().parent
DEMO_DIR = WIDGET_DIR / "demo"
DIST_DIR = WIDGET_DIR / "dist"
SERVER_URL_ATTRIBUTE = re.compile(r'data-server-url="[^"]*"')


class WidgetRequestHandler(SimpleHTTPRequestHandler):
    """Static files from the page root, ``/dist/`` from the bundle folder."""

    def __init__(
        self, *args: Any, root: Path, rasa_url: str | None, **kwargs: Any
    ) -> None:
        """Serves ``root``; rewrites ``data-server-url`` in HTML when ``rasa_url`` is set."""
        self.page_root = root
        self.rasa_url = rasa_url
        super().__init__(*args, directory=str(root), **kwargs)

    def translate_path(self, path: str) -> str:
        """Maps ``/dist/…`` to the bundle folder and everything else to the page root."""
        clean = unquote(urlsplit(path).path)
        if clean.startswith("/dist/"):
            base, rest = DIST_DIR, clean[len("/dist/") :]
        else:
            base, rest = self.page_root, clean.lstrip("/")
        target = (base / rest).resolve()
        if target != base and base not in target.parents:
            return str(base / "__outside__")  # answered with 404
        if target.is_dir():
            target = target / "index.html"
        return str(target)

    def end_headers(self) -> None:
        """Adds no-cache and nosniff headers to every response."""
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def do_GET(self) -> None:
        """Serves HTML pages with the configured Rasa URL, other files as they are."""
        path = Path(self.translate_path(self.path))
        if self.rasa_url is None or path.suffix != ".html" or not path.is_file():
            super().do_GET()
            return
        page = path.read_text(encoding="utf-8")
        attribute = f'data-server-url="{html.escape(self.rasa_url, quote=True)}"'
        body = SERVER_URL_ATTRIBUTE.sub(lambda _: attribute, page).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Logs requests through ``logging`` instead of stderr."""
        logger.debug("%s " + format, self.address_string(), *args)


def serve(*, host: str, port: int, root: Path, rasa_url: str | None) -> None:
    """Serves until interrupted."""
    handler = partial(WidgetRequestHandler, root=root.resolve(), rasa_url=rasa_url)
    with ThreadingHTTPServer((host, port), handler) as httpd:
        logger.info(
            "Serving %s and the widget bundle on http://%s:%d/", root, host, port
        )
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            logger.info("Stopped")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("WIDGET_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("WIDGET_PORT", "8000"))
    )
    parser.add_argument(
        "--root", type=Path, default=DEMO_DIR, help="folder served at /"
    )
    parser.add_argument(
        "--rasa-url",
        default=os.environ.get("WIDGET_RASA_URL") or None,
        help="Rasa server URL written into data-server-url of served HTML pages",
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    if not (DIST_DIR / "clinic-chat.js").is_file():
        logger.warning("widget/dist/clinic-chat.js is missing: run `make widget` first")
    serve(host=args.host, port=args.port, root=args.root, rasa_url=args.rasa_url)


if __name__ == "__main__":
    main()
