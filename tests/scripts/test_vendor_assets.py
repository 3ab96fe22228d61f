"""scripts/vendor_assets.py: pinned tarballs are checked before anything is written.

No network: the tarballs here are small fakes built in memory.
"""

import base64
import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "vendor_assets", ROOT / "scripts/vendor_assets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


vendor_assets = _load_script()

USERS_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"
  fill="none" stroke="currentColor" stroke-width="2" class="icon icon-tabler">
  <path stroke="none" d="M0 0h24v24H0z" fill="none" />
  <path d="M5 7a4 4 0 1 0 8 0a4 4 0 1 0 -8 0" />
</svg>"""


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@pytest.fixture
def icons_package():
    data = _tarball({"LICENSE": b"MIT License", "icons/outline/users.svg": USERS_SVG})
    package = vendor_assets.Package(
        name="@tabler/icons",
        version="0.0.0",
        integrity=_integrity(data),
        folder="icons",
        licence="MIT",
    )
    return package, data


def test_a_tarball_with_the_pinned_hash_is_accepted(icons_package, monkeypatch):
    package, data = icons_package
    monkeypatch.setattr(vendor_assets, "ICONS", ["users"])
    files = vendor_assets.vendor_files(package, data, vendor_assets.build_icons)
    assert files["LICENSE"] == b"MIT License"
    sprite = files["sprite.svg"].decode()
    assert '<symbol id="users" viewBox="0 0 24 24"' in sprite
    assert 'd="M5 7a4 4 0 1 0 8 0a4 4 0 1 0 -8 0"' in sprite
    assert "M0 0h24v24H0z" not in sprite  # the invisible box is dropped
    assert "stroke-width" not in sprite  # Tabler's .icon sets it


def test_a_tampered_tarball_is_refused(icons_package):
    package, data = icons_package
    tampered = _tarball({"LICENSE": b"MIT License", "icons/outline/users.svg": b"<svg/>"})
    with pytest.raises(vendor_assets.IntegrityError, match="integrity mismatch"):
        vendor_assets.vendor_files(package, tampered, vendor_assets.build_icons)


def test_a_pin_that_is_not_sha512_is_refused():
    data = b"anything"
    sha1 = "sha1-" + base64.b64encode(hashlib.sha1(data).digest()).decode()
    with pytest.raises(vendor_assets.IntegrityError, match="sha512"):
        vendor_assets.verify(data, sha1)


def test_a_refused_tarball_writes_nothing(tmp_path, monkeypatch, capsys):
    # Every package pinned to the hash of other bytes: the first is refused, nothing written.
    source = tmp_path / "tarballs"
    source.mkdir()
    for package, _ in vendor_assets.BUILDS:
        (source / package.filename).write_bytes(_tarball({"LICENSE": b"not the real one"}))
    out = tmp_path / "vendor"
    assert vendor_assets.main(["--from", str(source), "--out", str(out)]) == 1
    assert not out.exists()
    assert "refused @tabler/core 1.6.1: integrity mismatch" in capsys.readouterr().err


def test_the_pins_are_the_registrys_sha512():
    for package, _ in vendor_assets.BUILDS:
        algorithm, _, digest = package.integrity.partition("-")
        assert algorithm == "sha512" and len(base64.b64decode(digest)) == 64, package.name
        assert package.url == (f"https://registry.npmjs.org/{package.name}/-/{package.filename}")
