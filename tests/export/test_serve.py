import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lineart_color.errors import UserError
from lineart_color.commands.serve import EXPORT_ROOT, Routes, main, make_server


@pytest.fixture
def bundle(tmp_path):
    """The files `serve` checks for; their content does not matter here."""
    (tmp_path / "tfjs").mkdir()
    (tmp_path / "tfjs" / "model.json").write_text("{}")
    (tmp_path / "manifest.json").write_text('{"format": "lineart-color-export"}')
    (tmp_path / "secret.txt").write_text("beside the bundle")
    return tmp_path / "."


def test_url_paths_map_to_the_page_the_vendor_files_and_the_bundle(bundle):
    routes = Routes.for_bundle(bundle)
    web = EXPORT_ROOT / "web"
    assert routes.resolve("/") == web / "index.html"
    assert routes.resolve("/app.js?x=1") == web / "app.js"
    assert routes.resolve("/model/manifest.json") == (bundle / "manifest.json").resolve()
    assert routes.resolve("/vendor/tfjs/tf.min.js").name == "tf.min.js"
    assert routes.resolve("/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm").is_file()
    # the vendored packages show only the files the page loads
    assert routes.resolve("/vendor/tfjs/tf.js") is None


@pytest.mark.parametrize("path", ["/model/../../etc/passwd", "/model/%2e%2e/%2e%2e/etc/passwd", "/../export.py",
                                  "/vendor/tfjs/../../../package.json", "/model/../secret.txt",
                                  "/model/%2e%2e/secret.txt", "/vendor/../vendor.json/../../README.md"])
def test_nothing_outside_the_page_and_the_bundle_is_reachable(bundle, path):
    assert Routes.for_bundle(bundle).resolve(path) is None


def _get(url, host=None):
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_server_answers_on_loopback_with_isolation_headers(bundle):
    server = make_server(bundle, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        status, headers, body = _get(base + "/")
        assert status == 200 and b"lineart-color" in body
        assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert _get(base + "/model/manifest.json")[2].startswith(b'{"format"')
        assert _get(base + "/vendor/tfjs-backend-wasm/tfjs-backend-wasm.wasm")[1]["Content-Type"] == "application/wasm"
        assert _get(base + "/colorize.js")[1]["Content-Type"].startswith("text/javascript")
        with pytest.raises(urllib.error.HTTPError, match="404"):
            _get(base + "/model/nothing.json")
    finally:
        server.shutdown()
        server.server_close()
    assert server.server_address[0] == "127.0.0.1"


def test_a_folder_that_is_no_export_is_refused(tmp_path, capsys):
    with pytest.raises(UserError, match="no manifest.json"):
        make_server(tmp_path, 0)
    assert main([str(tmp_path), "--port", "0"]) == 2
    assert capsys.readouterr().err.strip().endswith("(expected the output of `lineart-color export`)")


def test_bad_port_is_a_flag_error(bundle, capsys):
    with pytest.raises(SystemExit) as stop:
        main([str(bundle), "--port", "99999"])
    assert stop.value.code == 2 and "argument --port" in capsys.readouterr().err


def test_foreign_hosts_and_nul_bytes_are_refused_without_a_traceback(bundle, capfd):
    server = make_server(bundle, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    base = f"http://127.0.0.1:{port}"
    try:
        for host in (f"localhost:{port}", f"[::1]:{port}"):
            assert _get(base + "/", host)[0] == 200
        for host in ("attacker.example", f"attacker.example:{port}", "127.0.0.1:1"):  # DNS rebinding, other ports
            with pytest.raises(urllib.error.HTTPError, match="403"):
                _get(base + "/model/manifest.json", host)
        with pytest.raises(urllib.error.HTTPError, match="400"):
            _get(base + "/model/%00manifest.json")
        assert _get(base + "/")[0] == 200  # the server still answers
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capfd.readouterr().err


def test_on_port_80_a_bare_local_host_is_answered(bundle):
    server = make_server(bundle, 0)
    server.server_port = 80  # as if listening on 80: clients then send Host without the port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for host in ("127.0.0.1", "localhost", "127.0.0.1:80"):
            assert _get(base + "/", host)[0] == 200
        with pytest.raises(urllib.error.HTTPError, match="403"):
            _get(base + "/", "attacker.example")
    finally:
        server.shutdown()
        server.server_close()


def test_a_client_that_goes_away_is_one_quiet_line(bundle, capfd):
    server = make_server(bundle, 0)
    try:
        try:
            raise BrokenPipeError(32, "Broken pipe")
        except BrokenPipeError:
            server.handle_error(None, ("127.0.0.1", 1))
    finally:
        server.server_close()
    error = capfd.readouterr().err.strip()
    assert error == "note: a client closed its connection early (BrokenPipeError)"


def _copy_checkout(target):
    """The files a wheel is built from, with export/node_modules linked rather than copied."""
    repo = EXPORT_ROOT.parent
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(repo / name, target / name)
    shutil.copytree(repo / "lineart_color", target / "lineart_color", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(EXPORT_ROOT / "web", target / "export" / "web")
    (target / "export" / "node_modules").symlink_to(EXPORT_ROOT / "node_modules")


@pytest.mark.slow
def test_serve_works_from_an_installed_wheel(bundle, tmp_path):
    source, site = tmp_path / "source", tmp_path / "site"
    source.mkdir()
    _copy_checkout(source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(pip + ["wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "wheel"), str(source)],
                   check=True, cwd=tmp_path)
    subprocess.run(pip + ["install", "--no-deps", "--target", str(site), *map(str, (tmp_path / "wheel").glob("*.whl"))],
                   check=True, cwd=tmp_path)
    shutil.rmtree(source)  # nothing may come from the tree the wheel was built from
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import lineart_color; print(lineart_color.__file__)"], env=env,
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(site)

    server = subprocess.Popen([sys.executable, "-m", "lineart_color.commands.serve", str(bundle), "--port", "0"],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = re.search(r"http://127\.0\.0\.1:\d+", server.stdout.readline()).group(0)
        page = _get(base + "/")[2]
        scripts = re.findall(rb'src="([^"]+)"', page)
        assert b"vendor/tfjs/tf.min.js" in scripts
        for path in [name.decode() for name in scripts] + ["style.css", "vendor/tfjs-backend-wasm/tfjs-backend-wasm.wasm",
                                                           "vendor/tfjs-backend-wasm/tfjs-backend-wasm-threaded-simd.wasm"]:
            assert _get(f"{base}/{path}")[0] == 200, path
        assert _get(base + "/model/manifest.json")[2].startswith(b'{"format"')
    finally:
        server.terminate()
        server.wait()
