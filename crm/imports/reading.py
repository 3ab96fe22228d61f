"""Reading CSV files as shops and spreadsheets write them.

UTF-8 with or without a BOM, or the Windows code pages of our languages (1257 Baltic,
1250 Central European, 1251 Cyrillic, 1252 Western); `,` or `;` between fields; dates as
ISO (2026-03-29) or DD.MM.YYYY; amounts with a decimal point or comma. Files are read as
a stream, so memory stays flat whatever their size.
"""

import codecs
import csv
import datetime
import io
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

# Encodings a user may choose; "auto" detects among them.
ENCODINGS = ["utf-8", "cp1257", "cp1250", "cp1251", "cp1252"]
SAMPLE_BYTES = 64 * 1024
MAX_FIELD = 10_000  # characters in one cell: more is not a CSV of customers
csv.field_size_limit(MAX_FIELD * 4)

# Letters each code page exists for: the guess prefers the page that decodes the sample
# into the most of them (and no control characters).
_LETTERS = {
    "cp1257": "āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽąęėįųĄĘĖĮŲ",
    "cp1250": "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ",
    "cp1251": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
    "cp1252": "éèêëàâäôöüçñÉÈÀÖÜÇÑß",
}


class _KeepOpen(io.RawIOBase):
    """The caller's binary stream, read through a text wrapper that must not close it
    (the importer reads the file twice: to check, then to write)."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class FileError(Exception):
    """The file as a whole cannot be read (encoding, delimiter, header)."""


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file from its first bytes: a BOM or valid UTF-8 wins; otherwise
    the Windows code page whose letters the bytes spell most."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut by the end of the sample
            return "utf-8"
    best, best_score = "cp1257", -1
    for encoding, letters in _LETTERS.items():
        text = sample.decode(encoding, errors="replace")
        score = sum(text.count(letter) for letter in letters) - 10 * text.count("\ufffd")
        if score > best_score:
            best, best_score = encoding, score
    return best


def detect_delimiter(header_line: str) -> str:
    """`;` or `,`: whichever the header line uses more (spreadsheets in our languages
    write `;`, because `,` is their decimal comma)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def open_rows(
    stream: IO[bytes],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    mapping: dict[str, str] | None = None,
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]], str, str]:
    """The header (lower-cased, trimmed), the rows as (line number, {column: text}),
    the encoding and the delimiter used. Reads lazily from `stream`. With `mapping`
    ({file column: our column}), the file's columns are renamed and the others dropped."""
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    if not sample.strip():
        raise FileError(_("The file is empty."))
    if (
        sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or sample.count(b"\x00") > len(sample) // 4
    ):
        raise FileError(_("The file is in UTF-16; save it as UTF-8 (CSV UTF-8 in spreadsheets)."))
    if encoding in (None, "", "auto"):
        encoding = detect_encoding(sample)
    elif encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif encoding not in ENCODINGS and encoding != "utf-8-sig":
        raise FileError(_("Unknown encoding %(e)s.") % {"e": encoding})
    text = io.TextIOWrapper(
        io.BufferedReader(_KeepOpen(stream)), encoding=encoding, errors="strict", newline=""
    )
    try:
        first = text.readline()
    except UnicodeDecodeError:
        raise FileError(
            _("The file is not in %(e)s; choose its encoding.") % {"e": encoding}
        ) from None
    delimiter = delimiter or detect_delimiter(first)
    if delimiter not in (",", ";", "\t"):
        raise FileError(_("Fields are separated by a comma, a semicolon or a tab."))
    try:
        names = next(csv.reader([first], delimiter=delimiter), [])
    except csv.Error as exc:
        raise FileError(_("The file is not valid CSV: %(e)s") % {"e": exc}) from None
    header = [h.strip().lower().lstrip("\ufeff") for h in names]
    if not any(header):
        raise FileError(_("The first line must name the columns."))
    if mapping is not None:
        header = [mapping.get(h, "") for h in header]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise FileError(_("Columns named twice: %(c)s.") % {"c": ", ".join(duplicated)})

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(text, delimiter=delimiter)
        try:
            for number, cells in enumerate(reader, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                yield (
                    number,
                    {
                        name: (cells[i].strip() if i < len(cells) else "")
                        for i, name in enumerate(header)
                        if name
                    },
                )
        except UnicodeDecodeError:
            raise FileError(
                _("The file is not in %(e)s; choose its encoding.") % {"e": encoding}
            ) from None
        except csv.Error as exc:
            raise FileError(_("The file is not valid CSV: %(e)s") % {"e": exc}) from None

    return header, rows(), encoding, delimiter


def parse_day(text: str) -> datetime.date:
    """2026-03-29 or 29.03.2026 (also 29/03/2026)."""
    text = text.strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or None
    try:
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        match = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", text)
        if match:
            return datetime.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise ValueError(_("Write the date as 2026-03-29 or 29.03.2026."))


def parse_moment(text: str) -> datetime.datetime:
    """An ISO time with its offset, or a date and time (ISO or DD.MM.YYYY HH:MM[:SS]) in
    the business time zone, or a date alone (noon that day)."""
    text = text.strip()
    moment = None
    try:
        moment = parse_datetime(text.replace(" ", "T", 1)) if "-" in text[:5] else None
    except ValueError:
        moment = None
    if moment is None:
        match = re.fullmatch(
            r"(\d{1,2})[./](\d{1,2})[./](\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?", text
        )
        if match:
            try:
                moment = datetime.datetime(
                    int(match[3]), int(match[2]), int(match[1]),
                    int(match[4]), int(match[5]), int(match[6] or 0),
                )  # fmt: skip
            except ValueError:
                moment = None
    if moment is None:
        try:
            moment = datetime.datetime.combine(parse_day(text), datetime.time(12))
        except ValueError:
            raise ValueError(
                _("Write the time as 2026-03-29 14:05, 29.03.2026 14:05 or with its offset.")
            ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def parse_amount(text: str) -> Decimal:
    """19.99, 19,99, 1 234,50 or 1,234.50."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if not cleaned.isascii():
        raise ValueError(_("Write the amount as 19.99 or 19,99."))
    if "," in cleaned and "." in cleaned:
        cleaned = (
            cleaned.replace(",", "")
            if cleaned.rfind(".") > cleaned.rfind(",")
            else (cleaned.replace(".", "").replace(",", "."))
        )
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("Write the amount as 19.99 or 19,99.")) from None
    if not amount.is_finite():
        raise ValueError(_("Write the amount as 19.99 or 19,99."))
    return amount


_TRUE = {"1", "true", "yes", "y", "jā", "ja", "taip", "tak", "да"}
_FALSE = {"0", "false", "no", "n", "nē", "ne", "nie", "нет", ""}


def parse_flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(_("Write yes or no (or 1 or 0)."))
