"""Vendor the front-end assets the pages use: Tabler, its icons, the Inter font and Chart.js.

    .venv/bin/python scripts/vendor_assets.py              # from the npm registry
    .venv/bin/python scripts/vendor_assets.py --from DIR   # from tarballs already in DIR

Each package is pinned to a version and to the registry's integrity hash (`dist.integrity`,
sha512). A tarball whose hash differs is refused and nothing is written. Only the files
the pages use are copied into static/vendor/<folder>/, with the package's licence, and
static/vendor/README.md is rewritten to match. The result is committed: running Retain
needs neither Node nor the network.

To add an icon, add its name to ICONS (https://tabler.io/icons) and re-run. To upgrade a
package, change its version and integrity (`npm view <name>@<version> dist.integrity`,
or the registry's JSON at https://registry.npmjs.org/<name>/<version>) and re-run.
Standard library only.
"""

import argparse
import base64
import hashlib
import hmac
import io
import re
import shutil
import sys
import tarfile
import textwrap
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Package:
    name: str  # the npm name, e.g. "@tabler/core"
    version: str
    integrity: str  # the registry's dist.integrity: "sha512-<base64>"
    folder: str  # under static/vendor/
    licence: str  # SPDX identifier, for the README

    @property
    def filename(self) -> str:
        return f"{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"

    @property
    def url(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.filename}"


TABLER = Package(
    name="@tabler/core",
    version="1.6.1",
    integrity="sha512-lgmR9gcxRp5JlLxcmRi9Rz85JrEvH6Bz71KnlcPVSa97wtwQNjgSs3g3fxwbAlulHyRMghhIV04QUuW3pqDsIg==",
    folder="tabler",
    licence="MIT",
)
TABLER_ICONS = Package(
    name="@tabler/icons",
    version="3.51.0",
    integrity="sha512-0pinvPZz7YeX+OSfxuEAbnEPWbocVXW5iU8h5lh41pYG8sZuQfpWECC980lxOT0clGIcNGn8xsBr+zKaRGdA/g==",
    folder="tabler-icons",
    licence="MIT",
)
INTER = Package(
    name="@fontsource-variable/inter",
    version="5.3.0",
    integrity="sha512-OupL48va4JNofb97w6NYeF9S7W/kHNKM0Er8Dem5nqi4jeOLrVJDoE8tZEpnMJmtkvNbB1EIPPwHcdkF6b1oUA==",
    folder="inter",
    licence="OFL-1.1",
)
CHARTJS = Package(
    name="chart.js",
    version="4.6.1",
    integrity="sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g==",
    folder="chartjs",
    licence="MIT",
)

# The outline icons in the sprite, by their Tabler name; templates use {% icon "name" %}.
ICONS = [
    "adjustments-horizontal",  # filters
    "alert-triangle",  # warnings, invalid filters
    "arrow-bar-to-up",  # timeline: back to newest
    "award",  # loyalty tiers
    "building",  # company
    "cake",  # birthday
    "calendar",  # customer since
    "cash",  # revenue
    "chevron-down",  # show older
    "chevron-left",  # pagination
    "chevron-right",  # pagination
    "circle-check",  # resolve a case
    "clock",  # last order
    "code",  # navigation: API
    "coins",  # loyalty points
    "device-mobile",  # phone
    "download",  # CSV export
    "flag",  # case priority
    "gift",  # navigation: loyalty, rewards
    "hourglass",  # points expiring
    "id",  # external id
    "inbox",  # case queue, empty queue
    "key",  # password reset
    "language",  # language switcher, customer language
    "lifebuoy",  # navigation: cases
    "lock",  # locked out
    "logout",  # user menu
    "mail",  # email, interaction: email
    "message-circle",  # interaction: chat
    "note",  # interaction: note
    "phone-call",  # interaction: call
    "plus",  # new case
    "receipt",  # average order
    "refresh",  # reopen a case
    "search",  # search
    "search-off",  # empty search
    "send",  # case reply
    "settings",  # navigation: administration
    "shopping-bag",  # orders, timeline orders
    "tag",  # tags
    "ticket",  # voucher codes
    "trash",  # remove a segment condition
    "trending-up",  # points earned
    "user",  # owner
    "users",  # navigation: customers, empty list
    "users-group",  # interaction: meeting
    "world",  # country
    "x",  # clear filters
]

# Inter's subsets the interface languages need: English (latin), Latvian, Lithuanian and
# Polish (latin-ext), Russian (cyrillic; cyrillic-ext for the rarer letters).
INTER_SUBSETS = ["latin", "latin-ext", "cyrillic", "cyrillic-ext"]

MIT_PERMISSION = """\
Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
"""


class IntegrityError(Exception):
    """A tarball whose hash is not the pinned one."""


def verify(data: bytes, integrity: str) -> None:
    """Refuse `data` unless its sha512 is the pinned Subresource-Integrity string."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512" or not expected:
        raise IntegrityError(f"pin a sha512 integrity, not {integrity!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if not hmac.compare_digest(actual, expected):
        raise IntegrityError(f"integrity mismatch: pinned sha512-{expected}, got sha512-{actual}")


class Tarball:
    """The files of an npm tarball (every path starts with "package/"), read in memory."""

    def __init__(self, data: bytes):
        self._files = {}
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                if member.isfile():
                    self._files[member.name.removeprefix("package/")] = tar.extractfile(
                        member
                    ).read()

    def read(self, path: str) -> bytes:
        try:
            return self._files[path]
        except KeyError:
            raise FileNotFoundError(f"{path} is not in the tarball") from None

    def text(self, path: str) -> str:
        return self.read(path).decode("utf-8")


def _strip_source_map(text: str) -> str:
    # The .map files are not vendored; a dangling reference would break collectstatic's
    # manifest storage and make browsers' developer tools ask for a missing file.
    return re.sub(r"\n?(/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*)\s*$", "\n", text)


def build_tabler(tar: Tarball) -> dict[str, bytes]:
    css = _strip_source_map(tar.text("dist/css/tabler.min.css"))
    js = _strip_source_map(tar.text("dist/js/tabler.min.js"))
    # The npm package ships no LICENSE file: its files name MIT and their authors, and
    # tabler.min.js bundles Bootstrap's JavaScript and Popper, both MIT.
    bootstrap = re.search(r'VERSION\s*=\s*"(5\.[0-9.]+)"', tar.text("dist/js/tabler.js"))
    licence = (
        "Tabler (https://tabler.io), MIT License\n\n"
        "Copyright (c) 2018-2026 The Tabler Authors\n"
        "Copyright (c) 2018-2026 codecalm.net Paweł Kuna\n\n"
        f"{MIT_PERMISSION}\n"
        f"js/tabler.min.js includes Bootstrap {bootstrap.group(1) if bootstrap else '5'}"
        " (https://getbootstrap.com), MIT License:\n\n"
        "Copyright (c) 2011-2025 The Bootstrap Authors\n\n"
        f"{MIT_PERMISSION}\n"
        "and Popper 2 (https://popper.js.org), MIT License:\n\n"
        "Copyright (c) 2019 Federico Zivolo\n\n"
        f"{MIT_PERMISSION}"
    )
    return {
        "css/tabler.min.css": css.encode(),
        "js/tabler.min.js": js.encode(),
        "LICENSE": licence.encode(),
    }


def build_sprite(tar: Tarball, names: list[str]) -> bytes:
    """One SVG of <symbol id="name"> elements, for <use href="sprite.svg#name">.

    The stroke width is left to the page's CSS (Tabler's .icon sets it).
    """
    ET.register_namespace("", SVG_NS)
    sprite = ET.Element(f"{{{SVG_NS}}}svg")
    for name in sorted(set(names)):
        icon = ET.fromstring(tar.read(f"icons/outline/{name}.svg"))
        symbol = ET.SubElement(
            sprite,
            f"{{{SVG_NS}}}symbol",
            {
                "id": name,
                "viewBox": icon.get("viewBox", "0 0 24 24"),
                "fill": "none",
                "stroke": "currentColor",
                "stroke-linecap": "round",
                "stroke-linejoin": "round",
            },
        )
        for child in icon:
            if child.get("d") == "M0 0h24v24H0z":  # the invisible bounding box
                continue
            symbol.append(child)
    ET.indent(sprite, space="")
    header = (
        f"<!-- Tabler Icons {TABLER_ICONS.version} (https://tabler.io/icons), MIT License; "
        "built by scripts/vendor_assets.py -->\n"
    )
    return (header + ET.tostring(sprite, encoding="unicode") + "\n").encode()


def build_icons(tar: Tarball) -> dict[str, bytes]:
    return {"sprite.svg": build_sprite(tar, ICONS), "LICENSE": tar.read("LICENSE")}


def build_inter(tar: Tarball) -> dict[str, bytes]:
    """The variable-weight woff2 files of INTER_SUBSETS and their @font-face rules."""
    rules = re.findall(
        r"/\* inter-([a-z-]+)-wght-normal \*/\s*(@font-face\s*\{[^}]*\})", tar.text("wght.css")
    )
    chosen = {subset: rule for subset, rule in rules if subset in INTER_SUBSETS}
    missing = sorted(set(INTER_SUBSETS) - set(chosen))
    if missing:
        raise FileNotFoundError(f"wght.css has no rule for the subsets {missing}")
    files = {"LICENSE": tar.read("LICENSE")}
    css = [
        f"/* Inter {INTER.version} (https://rsms.me/inter/), SIL Open Font License 1.1;"
        " subsets for Retain's languages, built by scripts/vendor_assets.py */\n"
    ]
    for subset in INTER_SUBSETS:
        woff2 = f"inter-{subset}-wght-normal.woff2"
        files[f"files/{woff2}"] = tar.read(f"files/{woff2}")
        rule = chosen[subset].replace(f"url(./files/{woff2})", f"url(files/{woff2})")
        if f"url(files/{woff2})" not in rule:
            raise ValueError(f"unexpected source in the {subset} rule: {rule}")
        css.append(f"/* {subset} */\n{rule}\n")
    files["inter.css"] = "\n".join(css).encode()
    return files


def build_chartjs(tar: Tarball) -> dict[str, bytes]:
    """The UMD build, for a plain <script> tag (it defines the global `Chart`)."""
    for path in ("dist/chart.umd.js", "dist/chart.umd.min.js"):  # both minified in 4.x
        try:
            js = _strip_source_map(tar.text(path))
        except FileNotFoundError:
            continue
        return {"chart.umd.js": js.encode(), "LICENSE.md": tar.read("LICENSE.md")}
    raise FileNotFoundError("the tarball has no dist/chart.umd.js nor dist/chart.umd.min.js")


BUILDS: list[tuple[Package, Callable[[Tarball], dict[str, bytes]]]] = [
    (TABLER, build_tabler),
    (TABLER_ICONS, build_icons),
    (INTER, build_inter),
    (CHARTJS, build_chartjs),
]


def download(package: Package) -> bytes:
    with urllib.request.urlopen(package.url, timeout=120) as response:
        return response.read()


def vendor_files(
    package: Package, data: bytes, build: Callable[[Tarball], dict[str, bytes]]
) -> dict[str, bytes]:
    """The files to write for `package` from its tarball `data`; refuses a wrong hash."""
    verify(data, package.integrity)
    return build(Tarball(data))


def readme() -> str:
    rows = "\n".join(
        f"| `{package.folder}/` | [`{package.name}`](https://www.npmjs.com/package/{package.name})"
        f" | {package.version} | {package.licence} |"
        for package, _ in BUILDS
    )
    icons = textwrap.fill(
        "Icons: " + ", ".join(f"`{name}`" for name in sorted(ICONS)) + ".",
        width=88,
        initial_indent="  ",
        subsequent_indent="  ",
        break_on_hyphens=False,
    ).lstrip()
    subsets = ", ".join(INTER_SUBSETS)
    return f"""# Vendored front-end assets

Written by `scripts/vendor_assets.py`; do not edit these files by hand. Nothing here is
loaded from another host, and running Retain needs neither Node nor the network.

| folder | npm package | version | licence |
| --- | --- | --- | --- |
{rows}

- `tabler/`: `css/tabler.min.css` (self-contained) and `js/tabler.min.js` (includes
  Bootstrap's JavaScript and Popper), with their source-map comments removed (the maps are
  not vendored). `LICENSE` holds the MIT notices of Tabler, Bootstrap and Popper: the npm
  package ships no licence file of its own.
- `tabler-icons/`: `sprite.svg`, one `<symbol id="name">` per icon the pages use
  (`{{% icon "name" %}}` in templates, from `crm/templatetags/retain.py`), and `LICENSE`.
  {icons}
- `inter/`: `inter.css` with the `@font-face` rules (family `"Inter Variable"`, weights
  100 to 900) and the woff2 files of the subsets {subsets}:
  enough for English, Latvian, Lithuanian, Polish and Russian. `LICENSE` is the SIL Open
  Font License 1.1.
- `chartjs/`: `chart.umd.js`, Chart.js's UMD build (minified; it defines the global
  `Chart` when loaded by a plain `<script>` tag), for the charts on the analytics
  dashboards, with its source-map comment removed (the map is not vendored), and
  `LICENSE.md`.

## Re-running

```sh
.venv/bin/python scripts/vendor_assets.py              # fetch from the npm registry
.venv/bin/python scripts/vendor_assets.py --from DIR   # use tarballs already in DIR
```

Each tarball is checked against the sha512 integrity pinned in the script (the registry's
`dist.integrity`); on a mismatch the script stops and writes nothing. To add an icon, add
its name to `ICONS` in the script and re-run. To upgrade a package, change its version and
integrity in the script, re-run, look at the pages, and commit the result.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--from", dest="source", type=Path, help="a folder with the .tgz files, instead of npm"
    )
    parser.add_argument("--out", type=Path, default=VENDOR_DIR, help="default: static/vendor")
    args = parser.parse_args(argv)

    results = {}
    for package, build in BUILDS:
        if args.source:
            data = (args.source / package.filename).read_bytes()
        else:
            print(f"fetching {package.url}")
            data = download(package)
        try:
            results[package.folder] = vendor_files(package, data, build)
        except IntegrityError as exc:
            print(f"refused {package.name} {package.version}: {exc}", file=sys.stderr)
            return 1
    # Every package verified and built: only now replace what is on disk.
    for folder, files in results.items():
        target = args.out / folder
        shutil.rmtree(target, ignore_errors=True)
        for path, content in files.items():
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).write_bytes(content)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    (args.out / "README.md").write_text(readme())
    return 0


if __name__ == "__main__":
    sys.exit(main())
