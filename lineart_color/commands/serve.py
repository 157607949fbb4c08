"""`lineart-color serve DIR`: the web page with an exported bundle, on 127.0.0.1, for a quick look.

    lineart-color serve exported/ctn --port 8000      # then open http://127.0.0.1:8000/

URL paths map to the page's files and one folder, nothing else is reachable:
    /NAME            the page: export/web in a checkout, a copy inside an installed wheel
    /vendor/NAME/F   the TF.js files export/web/vendor.json names (from export/node_modules in a checkout)
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
from dataclasses import dataclass
from pathlib import Path

from lineart_color.commands.common import add_command, standalone_main
from lineart_color.errors import UserError

HOST = "127.0.0.1"  # a quick look, not a deployment: never listen beyond this machine
# Host headers a request may carry (with the served port): a page on another site whose name
# was rebound to 127.0.0.1 (DNS rebinding) sends its own name, and is refused.
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
PACKAGED_WEB = Path(__file__).resolve().parents[1] / "web"  # the page inside an installed wheel (setup.py puts it there)
EXPORT_ROOT = Path(__file__).resolve().parents[2] / "export"  # a checkout's export/
ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}


def _vendored_file(web: Path, name: str, entry: dict, file: str) -> Path:
    """Where a TF.js file vendor.json names lives: copied beside the page in a wheel, else in export/node_modules."""
    if web == PACKAGED_WEB:
        return web / "vendor" / name / file
    return EXPORT_ROOT / "node_modules" / entry["package"] / entry["folder"] / file


def page_files() -> dict[str, Path]:
    """URL path -> file, for every file of the page and the TF.js files export/web/vendor.json names.

    An installed wheel carries its own copy of the page; a checkout serves export/web and
    export/node_modules.
    """
    web = PACKAGED_WEB if (PACKAGED_WEB / "vendor.json").is_file() else EXPORT_ROOT / "web"
    files = {f"/{path.name}": path for path in web.iterdir() if path.is_file()}
    files["/"] = web / "index.html"
    for name, entry in json.loads((web / "vendor.json").read_text()).items():
        for file in entry["files"]:
            path = _vendored_file(web, name, entry, file)
            if not path.is_file():
                raise UserError(f"{path}: missing; install the page's packages with "
                                f"`npm ci --prefix {EXPORT_ROOT}` (make test does)")
            files[f"/vendor/{name}/{file}"] = path
    return files


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


@dataclass(frozen=True)
class Routes:
    """What a URL path may name: one of the page's files, or a file inside the bundle folder."""

    page: dict[str, Path]
    model_dir: Path

    @classmethod
    def for_bundle(cls, model_dir: Path) -> "Routes":
        return cls(page_files(), check_model_dir(model_dir).resolve())

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL path names, or None when it names nothing the server shows."""
        path = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(url_path).path))
        if path in self.page:
            return self.page[path]
        if path != "/model" and not path.startswith("/model/"):
            return None
        target = (self.model_dir / path[len("/model/"):]).resolve()
        if target != self.model_dir and self.model_dir not in target.parents:
            return None
        return target / "index.html" if target.is_dir() else target


class PageHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
                      ".json": "application/json", ".bin": "application/octet-stream"}

    def __init__(self, *args, routes: Routes, **kwargs):
        self.routes = routes
        super().__init__(*args, **kwargs)

    def send_head(self):
        """Refuse foreign Host headers (403), NUL bytes in the path (400) and paths outside the routes
        (404) before any file is touched."""
        allowed = {f"{name}:{self.server.server_port}" for name in LOCAL_NAMES}
        if self.server.server_port == 80:  # clients leave the default port out of Host
            allowed |= set(LOCAL_NAMES)
        if self.headers.get("Host", "").lower() not in allowed:
            self.send_error(403, "Forbidden: this server answers only to 127.0.0.1, localhost or [::1] with its port")
            return None
        if "\x00" in urllib.parse.unquote(self.path):
            self.send_error(400, "Bad request: a NUL byte in the path")
            return None
        if self.routes.resolve(self.path) is None:
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        return str(self.routes.resolve(path))  # send_head has answered 404 where this is None

    def end_headers(self):
        for key, value in ISOLATION_HEADERS.items():
            self.send_header(key, value)
        self.send_header("Cache-Control", "no-store")  # a re-export must show at once
        super().end_headers()

    def log_message(self, format, *args):  # keep the terminal for our own lines
        pass


class PageServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that goes away mid-answer (a page reload aborting a shard download) is one quiet
        line, not a traceback; anything else is reported as usual."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            print(f"note: a client closed its connection early ({type(error).__name__})", file=sys.stderr, flush=True)
            return
        super().handle_error(request, client_address)


def make_server(model_dir: Path, port: int) -> http.server.ThreadingHTTPServer:
    routes = Routes.for_bundle(Path(model_dir))
    try:
        return PageServer((HOST, port), functools.partial(PageHandler, routes=routes))
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
