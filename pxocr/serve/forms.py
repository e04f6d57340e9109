"""multipart/form-data bodies parsed in memory (python-multipart's push parser), so an upload never
goes to a temporary file of the web framework's choosing; and the API's typed error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional


class ApiError(Exception):
    """A request the service refuses: HTTP status, a short machine code and one line for people."""

    def __init__(self, status: int, code: str, message: str, headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def body(self) -> dict:
        return {"error": {"status": self.status, "code": self.code, "message": self.message}}


@dataclass
class Part:
    name: str
    filename: Optional[str]
    data: bytes


MAX_PARTS = 32


def parse_form(content_type: str, body: bytes) -> dict[str, Part]:
    """The parts of a multipart/form-data body by field name (the first of each name)."""
    from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header

    ctype, params = parse_options_header(content_type or "")
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise ApiError(415, "not_multipart", "send the upload as multipart/form-data, the file in the field 'file'")
    parts: list[Part] = []
    state: dict = {}

    def on_part_begin() -> None:
        state.update(headers={}, field=b"", value=b"", chunks=[])

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        state["chunks"].append(data[start:end])

    def on_part_end() -> None:
        if len(parts) >= MAX_PARTS:
            raise ApiError(422, "too_many_fields", f"the form has more than {MAX_PARTS} fields")
        disp, p = parse_options_header(state["headers"].get(b"content-disposition", b""))
        name = p.get(b"name")
        if disp != b"form-data" or name is None:
            raise ApiError(422, "bad_form", "a form part has no 'Content-Disposition: form-data; name=...' header")
        filename = p.get(b"filename")
        parts.append(Part(name.decode("utf-8", "replace"), None if filename is None else
                          filename.decode("utf-8", "replace"), b"".join(state["chunks"])))

    callbacks = {"on_part_begin": on_part_begin, "on_header_field": on_header_field,
                 "on_header_value": on_header_value, "on_header_end": on_header_end,
                 "on_part_data": on_part_data, "on_part_end": on_part_end}
    parser = MultipartParser(params[b"boundary"], callbacks)
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as e:
        raise ApiError(422, "bad_form", f"the multipart body is malformed ({' '.join(str(e).split())[:120]})") from None
    out: dict[str, Part] = {}
    for part in parts:
        out.setdefault(part.name, part)
    return out


def safe_name(filename: Optional[str]) -> str:
    """A name for the document (the JSON's ``image``, a download's file name), never a path: the
    upload's base name with characters other than letters, digits, ``._-`` replaced."""
    base = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", base).strip("._")[:100]
    return name or "upload"
