"""Build hook (metadata lives in setup.cfg): a wheel carries the web page and the TF.js files it
loads, so `lineart-color serve` works from an installed package as from a checkout.

The page is export/web; the TF.js files are the ones export/web/vendor.json names, taken from
export/node_modules (`npm ci --prefix export` first). They go to lineart_color/web/ in the
wheel, where commands/serve.py looks first. An editable install serves the checkout itself.
"""

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

EXPORT = Path(__file__).resolve().parent / "export"


class BuildWithPage(build_py):
    def run(self):
        super().run()
        if not self.editable_mode:
            copy_page(Path(self.build_lib) / "lineart_color" / "web")


def copy_page(target: Path) -> None:
    web = EXPORT / "web"
    target.mkdir(parents=True, exist_ok=True)
    for path in web.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    for name, entry in json.loads((web / "vendor.json").read_text()).items():
        source = EXPORT / "node_modules" / entry["package"] / entry["folder"]
        (target / "vendor" / name).mkdir(parents=True, exist_ok=True)
        for file in entry["files"]:
            if not (source / file).is_file():
                raise SystemExit(f"{source / file}: missing; run `npm ci --prefix export` before building a wheel")
            shutil.copy2(source / file, target / "vendor" / name / file)


setup(cmdclass={"build_py": BuildWithPage})
