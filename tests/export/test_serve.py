import threading
import urllib.error
import urllib.request

import pytest

from lineart_color.errors import UserError
from lineart_color.commands.serve import WEB_ROOT, main, make_server, resolve, routes


@pytest.fixture
def bundle(tmp_path):
    """The files `serve` checks for; their content does not matter here."""
    (tmp_path / "tfjs").mkdir()
    (tmp_path / "tfjs" / "model.json").write_text("{}")
    (tmp_path / "manifest.json").write_text('{"format": "lineart-color-export"}')
    (tmp_path / "secret.txt").write_text("beside the bundle")
    return tmp_path / "."


def test_url_paths_map_to_the_page_the_vendor_files_and_the_bundle(bundle):
    table = routes(bundle)
    assert resolve("/", table) == WEB_ROOT / "index.html"
    assert resolve("/app.js?x=1", table) == WEB_ROOT / "app.js"
    assert resolve("/model/manifest.json", table) == (bundle / "manifest.json").resolve()
    assert resolve("/vendor/tfjs/tf.min.js", table).name == "tf.min.js"
    assert resolve("/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm", table).is_file()


@pytest.mark.parametrize("path", ["/model/../../etc/passwd", "/model/%2e%2e/%2e%2e/etc/passwd", "/../export.py",
                                  "/vendor/tfjs/../../../package.json"])
def test_nothing_outside_the_mapped_folders_is_reachable(bundle, path):
    table = routes(bundle)
    target = resolve(path, table)
    # whether or not such a file exists, the path it names lies inside a mapped folder
    assert target is None or any(folder.resolve() in target.parents for _, folder in table)
    assert (bundle / "secret.txt").resolve() not in {resolve(p, table) for p in ("/model/../secret.txt",
                                                                                 "/model/%2e%2e/secret.txt")}


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
