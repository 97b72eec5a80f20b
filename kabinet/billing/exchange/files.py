"""Reading exchange files: CSV (`;`, UTF-8 or windows-1251) and JSON lines, with line numbers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "windows-1251": "cp1251", "cp1251": "cp1251"}


class FileProblem(Exception):
    """The file as a whole cannot be read; carries the line where reading stopped."""

    def __init__(self, message: str, line: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class SourceText:
    text: str
    encoding: str
    file_format: str  # "csv" or "jsonl"


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(path: Path, data: bytes, encoding: str | None) -> SourceText:
    """Decode the bytes: UTF-8 if they are UTF-8, else windows-1251; or the forced encoding."""
    file_format = "jsonl" if path.suffix.lower() in JSON_SUFFIXES else "csv"
    if file_format == "jsonl":
        encoding = "utf-8"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        if encoding not in (None, "utf-8"):
            raise FileProblem("Файл начинается с метки UTF-8, а указана кодировка windows-1251.", 1)
        encoding = "utf-8"
    candidates = [encoding] if encoding else ["utf-8", "cp1251"]
    last_error: UnicodeDecodeError | None = None
    nul = data.find(b"\x00")
    if nul >= 0:
        # PostgreSQL cannot store NUL in text, and no billing value legitimately has one.
        raise FileProblem(
            "В файле нулевой байт (0x00): это не текстовый файл.", _line_of_offset(data, nul)
        )
    for candidate in candidates:
        try:
            return SourceText(data.decode(candidate), candidate, file_format)
        except UnicodeDecodeError as error:
            last_error = error
    assert last_error is not None
    shown = "UTF-8" if candidates[-1] == "utf-8" else "UTF-8 или windows-1251"
    raise FileProblem(
        f"Файл не в кодировке {shown}: байт 0x{data[last_error.start]:02X} не читается.",
        _line_of_offset(data, last_error.start),
    )


def csv_rows(text: str) -> tuple[list[str], int, Iterator[tuple[int, list[str]]]]:
    """Return the header, its line number and an iterator of (line, cells) for the data rows.

    Comment lines (`#…`) and blank lines before the header are skipped; blank lines after it too.
    """
    lines = _csv_lines(text)
    for header_line, header in lines:
        if not header[0].lstrip().startswith("#"):
            # The same iterator goes on with the data rows below the header.
            return header, header_line, lines
    raise FileProblem("В файле нет строки заголовка с названиями столбцов.", 1)


def _csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line, cells) per CSV record that is not blank; a record may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=True)
    previous_end = 0
    try:
        for cells in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if cells and (len(cells) > 1 or cells[0].strip()):
                yield start, cells
    except csv.Error as error:
        raise FileProblem(f"Не разобрать строку CSV: {error}.", previous_end + 1) from None


def jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Yield (line, object-as-strings) per non-blank line, or (line, error message).

    Numbers keep the text they were written with: a float would round a sum, and Python refuses
    to turn more than 4300 digits into an int. Values other than strings, numbers, booleans and
    null are outside the format (docs/exchange.md) and refused.
    """
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            # Numbers stay the text billing wrote: through a float, 0.1 + 0.2 money and
            # 16-digit amounts would change, and «1e3» would pass as 1000.0.
            obj = json.loads(line, parse_int=str, parse_float=str, parse_constant=str)
        except json.JSONDecodeError as error:
            yield number, f"Строка не является JSON-объектом: {error.msg}."
            continue
        except RecursionError:
            # Arrays or objects nested thousands deep: the decoder gives up before the end.
            yield number, "Строка не является JSON-объектом: слишком глубокая вложенность."
            continue
        if not isinstance(obj, dict):
            yield number, "Строка должна быть JSON-объектом {…}."
            continue
        converted: dict[str, str] = {}
        nested = []
        for key, value in obj.items():
            if value is None:
                converted[key] = ""
            elif isinstance(value, bool):
                converted[key] = "1" if value else "0"
            elif isinstance(value, str):
                converted[key] = value
            else:
                nested.append(key)
        if nested:
            fields = ", ".join(f"«{key[:40]}»" for key in nested)
            yield number, f"Значение поля {fields} должно быть строкой, числом или null."
            continue
        yield number, converted
