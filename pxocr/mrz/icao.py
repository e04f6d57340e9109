"""ICAO Doc 9303 machine-readable zones: the five layouts, their fields, check digits and the
grammar of each position.

A layout is a list of fields, each at ``(line, start, end)`` (0-based, end exclusive) with a
kind that fixes which characters may stand there (:data:`KINDS`), and a list of checks: the
check digit at ``(line, pos)`` over the concatenation of some spans. :func:`parse` splits
lines into fields, validates every check and decodes names and dates.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Optional

DIGITS = string.digits
LETTERS = string.ascii_uppercase
FILLER = "<"
KINDS = {
    "digit": DIGITS,  # dates, check digits
    "digit<": DIGITS + FILLER,  # a check digit of an empty optional field may be "<"
    "alpha": LETTERS + FILLER,  # names, state codes, document codes
    "alnum": LETTERS + DIGITS + FILLER,  # document numbers, optional data
    "sex": "MFX" + FILLER,
}


@dataclass(frozen=True)
class Field:
    name: str
    line: int
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Check:
    name: str
    spans: tuple[tuple[int, int, int], ...]  # (line, start, end) over which the digit is computed
    at: tuple[int, int]  # (line, pos) of the check digit
    optional: bool = False  # "<" allowed when the spans are all fillers

    def covers(self) -> set[tuple[int, int]]:
        """Every (line, pos) the digit covers: in its spans, or the digit itself."""
        return {(i, p) for i, a, b in self.spans for p in range(a, b)} | {self.at}

    def result(self, lines: list[str]) -> "CheckResult":
        """This check on ``lines``: the digit expected and the one found, and whether it holds (an optional
        field all fillers may have a filler for its digit)."""
        data = "".join(lines[i][a:b] for i, a, b in self.spans)
        found = lines[self.at[0]][self.at[1]]
        expected = check_digit(data)
        ok = found == expected or (self.optional and found == FILLER and set(data) <= {FILLER})
        return CheckResult(self.name, expected, found, ok)


@dataclass(frozen=True)
class Layout:
    name: str
    lines: int
    length: int
    fields: tuple[Field, ...]
    checks: tuple[Check, ...]

    def checked(self) -> set[tuple[int, int]]:
        """Every (line, pos) some check digit covers: in its spans, or the digit itself."""
        return set().union(*(c.covers() for c in self.checks))

    def unchecked(self) -> list[tuple[int, int]]:
        """Every (line, pos) that no check digit covers (names, states, sex, some optional data), in order."""
        checked = self.checked()
        return [(i, p) for i in range(self.lines) for p in range(self.length) if (i, p) not in checked]

    def kind_at(self, line: int, pos: int) -> str:
        for c in self.checks:
            if c.at == (line, pos):
                return "digit<" if c.optional else "digit"
        for f in self.fields:
            if f.line == line and f.start <= pos < f.end:
                return f.kind
        return "alnum"


def _two_line(name: str, length: int, optional_end: int, composite: bool, doc_kind: str = "alpha") -> Layout:
    """TD2, TD3 and the two visas share their second line up to the optional data."""
    fields = (
        Field("document_code", 0, 0, 2, doc_kind), Field("issuing_state", 0, 2, 5, "alpha"),
        Field("names", 0, 5, length, "alpha"),
        Field("document_number", 1, 0, 9, "alnum"), Field("nationality", 1, 10, 13, "alpha"),
        Field("birth_date", 1, 13, 19, "digit"), Field("sex", 1, 20, 21, "sex"),
        Field("expiry_date", 1, 21, 27, "digit"), Field("optional_data", 1, 28, optional_end, "alnum"),
    )
    checks = [Check("document_number", ((1, 0, 9),), (1, 9)), Check("birth_date", ((1, 13, 19),), (1, 19)),
              Check("expiry_date", ((1, 21, 27),), (1, 27))]
    if composite:
        if optional_end + 1 < length:  # TD3: the optional data has its own check digit
            checks.append(Check("optional_data", ((1, 28, optional_end),), (1, optional_end), optional=True))
        checks.append(Check("composite", ((1, 0, 10), (1, 13, 20), (1, 21, length - 1)), (1, length - 1)))
    return Layout(name, 2, length, fields, tuple(checks))


TD1 = Layout("TD1", 3, 30, (
    Field("document_code", 0, 0, 2, "alpha"), Field("issuing_state", 0, 2, 5, "alpha"),
    Field("document_number", 0, 5, 14, "alnum"), Field("optional_data", 0, 15, 30, "alnum"),
    Field("birth_date", 1, 0, 6, "digit"), Field("sex", 1, 7, 8, "sex"), Field("expiry_date", 1, 8, 14, "digit"),
    Field("nationality", 1, 15, 18, "alpha"), Field("optional_data_2", 1, 18, 29, "alnum"),
    Field("names", 2, 0, 30, "alpha"),
), (
    Check("document_number", ((0, 5, 14),), (0, 14)), Check("birth_date", ((1, 0, 6),), (1, 6)),
    Check("expiry_date", ((1, 8, 14),), (1, 14)),
    Check("composite", ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)), (1, 29)),
))
TD2 = _two_line("TD2", 36, 35, composite=True)
TD3 = _two_line("TD3", 44, 42, composite=True)
MRVA = _two_line("MRV-A", 44, 44, composite=False)
MRVB = _two_line("MRV-B", 36, 36, composite=False)
LAYOUTS = (TD1, TD2, TD3, MRVA, MRVB)
LAYOUT_BY_NAME = {lay.name: lay for lay in LAYOUTS}
_WEIGHTS = (7, 3, 1)


def char_value(c: str) -> int:
    if c.isdigit():
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    return 0  # "<" (and anything else)


def check_digit(s: str) -> str:
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(s)) % 10)


def layout_for(lines: list[str]) -> Optional[Layout]:
    """The layout of lines by their count, length and document code (a visa starts with V)."""
    if not lines:
        return None
    n, length = len(lines), len(lines[0])
    if any(len(ln) != length for ln in lines):
        return None
    visa = lines[0].startswith("V")
    for lay in LAYOUTS:
        if lay.lines == n and lay.length == length and (lay.name.startswith("MRV") == visa or lay is TD1):
            return lay
    return None


@dataclass
class CheckResult:
    name: str
    expected: str
    found: str
    valid: bool


@dataclass
class Mrz:
    layout: str
    lines: list[str]
    fields: dict[str, str]
    checks: list[CheckResult]
    names: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        lay = LAYOUT_BY_NAME.get(self.layout)
        return all(c.valid for c in self.checks) and (lay is None or self.grammar_ok(lay))

    def grammar_ok(self, lay: Layout) -> bool:
        return all(self.lines[i][p] in KINDS[lay.kind_at(i, p)] for i in range(lay.lines) for p in range(lay.length))

    def to_dict(self) -> dict:
        return {"layout": self.layout, "lines": self.lines, "fields": self.fields, "names": self.names,
                "checks": [c.__dict__ for c in self.checks], "valid": self.valid}


def run_checks(lay: Layout, lines: list[str]) -> list[CheckResult]:
    return [c.result(lines) for c in lay.checks]


def parse(lines: list[str], lay: Optional[Layout] = None) -> Optional[Mrz]:
    """Lines of an MRZ -> fields, checks and names; None when no layout fits them."""
    lay = lay or layout_for(lines)
    if lay is None:
        return None
    fields = {f.name: lines[f.line][f.start:f.end] for f in lay.fields}
    surname, _, given = fields.get("names", "").partition("<<")
    names = {"surname": surname.replace("<", " ").strip(), "given_names": given.replace("<", " ").strip()}
    clean = {k: (v.rstrip("<").replace("<", " ") if k not in ("birth_date", "expiry_date") else v)
             for k, v in fields.items()}
    return Mrz(lay.name, list(lines), clean, run_checks(lay, lines), names)
