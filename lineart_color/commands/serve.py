"""`lineart-color serve DIR`: the web page with an exported bundle, on 127.0.0.1, for a quick look.

    lineart-color serve exported/ctn --port 8000      # then open http://127.0.0.1:8000/

URL paths map to three folders, nothing else is reachable:
    /                the page (export/web in the repository)
    /vendor/NAME/    TF.js files from export/node_modules, as export/web/vendor.json names them
    /model/          DIR, the output of `lineart-color export` (manifest.json, tfjs/)
Responses carry the cross-origin isolation headers, so TF.js may use its threaded WASM backend.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import posixpath
import sys
import urllib.parse
from pathlib import Path

from lineart_color.commands.common import add_command, standalone_main
from lineart_color.errors import UserError

HOST = "127.0.0.1"  # a quick look, not a deployment: never listen beyond this machine
# Host headers a request may carry (with the served port): a page on another site whose name
# was rebound to 127.0.0.1 (DNS rebinding) sends its own name, and is refused.
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
EXPORT_ROOT = Path(__file__).resolve().parents[2] / "export"  # the repository's export/
WEB_ROOT = EXPORT_ROOT / "web"
ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}


def vendor_roots(export_root: Path = EXPORT_ROOT) -> dict[str, Path]:
    """/vendor/NAME -> folder inside export/node_modules, checked to be installed."""
    listing = json.loads((export_root / "web" / "vendor.json").read_text())
    roots = {}
    for name, entry in listing.items():
        folder = export_root / "node_modules" / entry["package"] / entry["folder"]
        if not folder.is_dir():
            raise UserError(f"{folder}: missing; install the page's packages with "
                            f"`npm ci --prefix {export_root}` (make test does)")
        roots[name] = folder
    return roots


def port_number(text: str) -> int:
    """argparse type: a TCP port, or 0 for any free one."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return int(text)


def check_model_dir(model_dir: Path) -> Path:
    for needed in ("manifest.json", "tfjs/model.json"):
        if not (model_dir / needed).is_file():
            raise UserError(f"{model_dir}: DIR: no {needed} here (expected the output of `lineart-color export`)")
    return model_dir


def routes(model_dir: Path) -> list[tuple[str, Path]]:
    """(URL prefix, folder) pairs, longest prefix first."""
    table = [("/model/", check_model_dir(model_dir)), ("/", WEB_ROOT)]
    table += [(f"/vendor/{name}/", folder) for name, folder in vendor_roots().items()]
    return sorted(table, key=lambda item: -len(item[0]))


def resolve(url_path: str, table: list[tuple[str, Path]]) -> Path | None:
    """The file a URL path names, or None when it lies outside every mapped folder."""
    path = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(url_path).path))
    path += "/" if not path.endswith("/") and urllib.parse.urlsplit(url_path).path.endswith("/") else ""
    for prefix, folder in table:
        if path.startswith(prefix):
            target = (folder / path[len(prefix):]).resolve()
            if target == folder.resolve() or folder.resolve() in target.parents:
                return target / "index.html" if target.is_dir() else target
            return None
    return None


class PageHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
                      ".json": "application/json", ".bin": "application/octet-stream"}

    def __init__(self, *args, table, **kwargs):
        self.table = table
        super().__init__(*args, **kwargs)

    def send_head(self):
        """Refuse foreign Host headers (403) and NUL bytes in the path (400) before any file is touched."""
        allowed = {f"{name}:{self.server.server_port}" for name in LOCAL_NAMES}
        if self.headers.get("Host", "").lower() not in allowed:
            self.send_error(403, "Forbidden: this server answers only to 127.0.0.1, localhost or [::1] with its port")
            return None
        if "\x00" in urllib.parse.unquote(self.path):
            self.send_error(400, "Bad request: a NUL byte in the path")
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        target = resolve(path, self.table)
        return str(target) if target is not None else str(WEB_ROOT / "__not_found__")

    def end_headers(self):
        for key, value in ISOLATION_HEADERS.items():
            self.send_header(key, value)
        self.send_header("Cache-Control", "no-store")  # a re-export must show at once
        super().end_headers()

    def log_message(self, format, *args):  # keep the terminal for our own lines
        pass


def make_server(model_dir: Path, port: int) -> http.server.ThreadingHTTPServer:
    table = routes(Path(model_dir))
    try:
        return http.server.ThreadingHTTPServer((HOST, port), functools.partial(PageHandler, table=table))
    except OSError as error:
        raise UserError(f"--port {port}: cannot listen on {HOST}:{port} ({error.strerror})") from None


def run(args: argparse.Namespace) -> None:
    server = make_server(args.dir, args.port)
    with server:
        print(f"serving {args.dir} at http://{HOST}:{server.server_port}/  (Ctrl-C to stop)", flush=True)
        server.serve_forever()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="a folder written by `lineart-color export`")
    parser.add_argument("--port", type=port_number, default=8000, help="port on 127.0.0.1 (default 8000; 0 picks a free one)")


def add_parser(commands) -> None:
    add_command(commands, "serve", "serve the web page with an exported model on 127.0.0.1", add_arguments, run)


def main(argv=None) -> int:
    return standalone_main("serve", __doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
