"""The JavaScript of export/ (page, shared modules, Node tools, Electron app) is lint-free.

Electron itself cannot be installed here, so its app is checked by ESLint and by its
package.json pointing at real files; the page it wraps is tested in Chromium.
"""

import json

from export_helpers import EXPORT_ROOT, run_node


def test_eslint_finds_nothing():
    run_node(EXPORT_ROOT / "node_modules" / "eslint" / "bin" / "eslint.js", "--max-warnings", "0", ".")


def test_electron_package_points_at_its_scripts_and_the_shared_page():
    package = json.loads((EXPORT_ROOT / "electron" / "package.json").read_text())
    main = EXPORT_ROOT / "electron" / package["main"]
    assert main.is_file() and package["type"] == "commonjs"
    source = main.read_text()
    assert "preload.js" in source and "'..', 'web'" in source
    assert (EXPORT_ROOT / "electron" / "preload.js").is_file()
    page = json.loads((EXPORT_ROOT / "package.json").read_text())
    assert package["dependencies"] == {name: page["dependencies"][name] for name in package["dependencies"]}
