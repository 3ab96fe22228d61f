"""The interface speaks every language it offers: each catalogue holds every string of
the code and templates, translated and not fuzzy, and compiles."""

import importlib.util
import io
import os
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.conftest import require

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
SOURCES = ["config", "crm", "loyalty", "surveys", "analytics", "templates"]


def _compiler():
    spec = importlib.util.spec_from_file_location(
        "compile_messages", ROOT / "scripts/compile_messages.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ids(po: Path) -> set:
    # A template (.pot) has placeholders in its header that Babel cannot read.
    text = po.read_bytes().replace(
        b"nplurals=INTEGER; plural=EXPRESSION;", b"nplurals=2; plural=(n != 1);"
    )
    return {message.id for message in read_po(io.BytesIO(text)) if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_of_the_catalogue_is_translated(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert po.exists(), f"no catalogue for {language}"
    assert _compiler().problems(po) == []


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    """The strings of today's code and templates, extracted as `makemessages` does, from
    a copy of the sources (the repository's catalogues stay untouched)."""
    require(bool(shutil.which("xgettext")), "GNU gettext (xgettext) is not installed")
    work = tmp_path_factory.mktemp("messages")
    for name in SOURCES:
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    (work / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(work)
    try:
        with override_settings(LOCALE_PATHS=[]):
            call_command("makemessages", locale=["xx"], keep_pot=True, verbosity=0)
    finally:
        os.chdir(cwd)
    return _ids(work / "locale" / "django.pot")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_holds_every_string_of_the_code(extracted, language):
    missing = extracted - _ids(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    assert not missing, (
        f"{len(missing)} strings are not in the {language} catalogue; run "
        f"`manage.py makemessages -a` and translate them: {sorted(map(str, missing))[:10]}"
    )


def test_the_pages_speak_latvian(client, support_user):
    _compiler().compile_all()
    translation.trans_real._translations = {}  # read the freshly compiled catalogues
    client.force_login(support_user)
    page = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="lv").content.decode()
    with translation.override("lv"):
        customers = translation.gettext("Customers")
    assert customers != "Customers"
    assert customers in page
