"""Text like documents hold: words, numbers, dates, amounts, codes, MRZ lines, symbols.

Every function takes a ``numpy.random.Generator``; the same generator state gives the
same text. All output is printable ASCII (0x20..0x7E).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from ..charset import CHARSET

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
PUNCT = "".join(c for c in CHARSET if not c.isalnum())
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
CURRENCIES = ["USD", "EUR", "GBP", "CHF", "JPY", "SEK", "$", "EUR ", "$ "]


@lru_cache(maxsize=None)
def _word_list(name: str) -> tuple[str, ...]:
    text = resources.files("pxocr.synth").joinpath(name).read_text(encoding="ascii")
    return tuple(w for w in text.split() if w)


def words() -> tuple[str, ...]:
    """The 502 words of documents (invoices, forms) that OCR-B pages are made of."""
    return _word_list("words.txt")


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _chars(rng: np.random.Generator, alphabet: str, n: int) -> str:
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), n))


def _cased(rng: np.random.Generator, w: str, p_upper: float, p_capital: float) -> str:
    """``w`` in capitals with probability ``p_upper``, capitalised with ``p_capital``, else as is (one draw)."""
    r = rng.random()
    if r < p_upper:
        return w.upper()
    if r < p_upper + p_capital:
        return w.capitalize()
    return w


def word(rng: np.random.Generator) -> str:
    return _cased(rng, _pick(rng, words()), 0.25, 0.30)


def pseudo_word(rng: np.random.Generator) -> str:
    """Random letters: text no language model has seen."""
    n = int(rng.integers(1, 11))
    alpha = _pick(rng, [UPPER, UPPER.lower(), UPPER + UPPER.lower()])
    return _chars(rng, alpha, n)


def number(rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.4:
        return str(int(rng.integers(0, 10 ** int(rng.integers(1, 8)))))
    if r < 0.7:
        v = rng.integers(0, 10**7) / 100
        return f"{v:,.2f}" if rng.random() < 0.5 else f"{v:.2f}"
    if r < 0.85:
        return f"{rng.integers(0, 1000) / 10:.1f}%"
    return f"{'+-'[int(rng.integers(2))]}{rng.integers(0, 10**4)}"


def date(rng: np.random.Generator) -> str:
    y, m, d = int(rng.integers(1950, 2040)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    fmt = int(rng.integers(6))
    return [f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{d:02d}.{m:02d}.{y}",
            f"{MONTHS[m - 1]} {d}, {y}", f"{d} {MONTHS[m - 1].upper()} {y % 100:02d}",
            f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}"][fmt]


def amount(rng: np.random.Generator) -> str:
    v = rng.integers(0, 10**8) / 100 if rng.random() < 0.5 else rng.integers(0, 10**5) / 100
    cur = _pick(rng, CURRENCIES)
    s = f"{v:,.2f}"
    if rng.random() < 0.3:  # continental style 1.234,56
        s = s.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{cur}{s}" if rng.random() < 0.6 else f"{s} {cur.strip()}"


def code(rng: np.random.Generator) -> str:
    kind = int(rng.integers(6))
    if kind == 0:  # serial number
        return f"{_chars(rng, UPPER, 2)}-{_chars(rng, DIGITS, 4)}-{_chars(rng, UPPER + DIGITS, 3)}"
    if kind == 1:  # IBAN-like groups
        body = _chars(rng, DIGITS + UPPER, 4 * int(rng.integers(3, 6)))
        groups = [body[i:i + 4] for i in range(0, len(body), 4)]
        return f"{_chars(rng, UPPER, 2)}{_chars(rng, DIGITS, 2)} " + " ".join(groups)
    if kind == 2:  # e-mail
        return f"{pseudo_word(rng).lower()}{_pick(rng, ['.', '_', '-', ''])}{word(rng).lower()}@" \
               f"{word(rng).lower()}.{_pick(rng, ['com', 'org', 'net', 'de', 'io'])}"
    if kind == 3:  # URL or path
        sep = _pick(rng, ["/", "\\"])
        parts = sep.join(word(rng).lower() for _ in range(int(rng.integers(1, 4))))
        return _pick(rng, [f"https://www.{word(rng).lower()}.com/{parts}", f"C:\\{parts}", f"~/{parts}",
                           f"{parts}?id={rng.integers(1000)}&q={word(rng)}"])
    if kind == 4:  # code-like expression
        a, b = word(rng).lower(), word(rng).lower()
        return _pick(rng, [f"{a}[{rng.integers(10)}]={{{b}}}", f"<{a}>", f"{a}({b});", f"`{a}`", f"'{a}'",
                           f'"{a}"', f"{a}|{b}", f"{a}^{rng.integers(9)}", f"#{rng.integers(999)}",
                           f"{a}_{b}", f"*{a}*", f"{a}~{b}", f"{a}+{b}", f"{a}!", f"{a}?"])
    return f"{_chars(rng, UPPER, 3)}{_chars(rng, DIGITS, 6)}"


def symbols(rng: np.random.Generator) -> str:
    """A run of random printable characters, weighted towards punctuation."""
    n = int(rng.integers(1, 7))
    return _chars(rng, PUNCT if rng.random() < 0.6 else CHARSET, n)


_TOKENS = (word, pseudo_word, number, date, amount, code, symbols)
_TOKEN_P = np.array([0.40, 0.10, 0.12, 0.08, 0.08, 0.10, 0.12])
P_SYMBOLS = float(_TOKEN_P[-1])  # the share of symbol runs among tokens in pages as drawn


@lru_cache(maxsize=16)
def _token_p(p_symbols: float) -> np.ndarray:
    """Token probabilities with symbol runs at ``p_symbols``, the other kinds in their ratios."""
    if p_symbols == P_SYMBOLS:
        return _TOKEN_P
    rest = _TOKEN_P[:-1] * (1 - p_symbols) / _TOKEN_P[:-1].sum()
    return np.append(rest, p_symbols)


def token(rng: np.random.Generator, p_symbols: float = P_SYMBOLS) -> str:
    return _TOKENS[int(rng.choice(len(_TOKENS), p=_token_p(p_symbols)))](rng)


def line_text(rng: np.random.Generator, max_chars: int, p_symbols: float = P_SYMBOLS) -> str:
    """A line of whitespace-separated tokens, 1..max_chars long (no leading/trailing space);
    ``p_symbols`` of the tokens are runs of punctuation and random characters."""
    target = int(rng.integers(max(1, max_chars // 4), max_chars + 1))
    out = ""
    for _ in range(200):
        t = token(rng, p_symbols)
        cand = f"{out} {t}" if out else t
        if len(cand) > max_chars:
            if not out:
                out = t[:max_chars]
            break
        out = cand
        if len(out) >= target:
            break
    return out.strip() or _pick(rng, CHARSET)


def _mrz_check(s: str) -> str:
    vals = {c: i for i, c in enumerate(DIGITS)} | {c: i + 10 for i, c in enumerate(UPPER)} | {"<": 0}
    return str(sum(vals[c] * w for c, w in zip(s, [7, 3, 1] * 20)) % 10)


def mrz_td3(rng: np.random.Generator) -> tuple[str, str]:
    """A passport (ICAO 9303 TD3) machine-readable zone: two lines of 44, valid check digits."""
    country = _chars(rng, UPPER, 3)
    names = f"{word(rng).upper()}<<{word(rng).upper()}<{pseudo_word(rng).upper()}"
    line1 = f"P<{country}{names}"[:44].ljust(44, "<")
    doc = _chars(rng, UPPER + DIGITS, 9)
    birth = f"{int(rng.integers(0, 100)):02d}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 29)):02d}"
    expiry = f"{int(rng.integers(0, 100)):02d}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 29)):02d}"
    personal = _chars(rng, UPPER + DIGITS + "<", 14)
    sex = _pick(rng, "MF<")
    body = (f"{doc}{_mrz_check(doc)}{_chars(rng, UPPER, 3)}{birth}{_mrz_check(birth)}{sex}"
            f"{expiry}{_mrz_check(expiry)}{personal}{_mrz_check(personal)}")
    composite = doc + _mrz_check(doc) + birth + _mrz_check(birth) + expiry + _mrz_check(expiry) + personal \
        + _mrz_check(personal)
    line2 = body + _mrz_check(composite)
    return line1, line2


def dictionary() -> tuple[str, ...]:
    """24,000 English words (a sample of Debian's wamerican list), for prose in many fonts."""
    return _word_list("words_en.txt")


_OPEN_CLOSE = [("(", ")"), ('"', '"'), ("'", "'"), ("[", "]")]
_SENTENCE_END = [".", ".", ".", ".", "?", "!", ":", ";"]


def prose_word(rng: np.random.Generator) -> str:
    """A word as running text has it: mostly common words, lower case, sometimes a name."""
    w = _pick(rng, words()) if rng.random() < 0.55 else _pick(rng, dictionary())
    return _cased(rng, w, 0.06, 0.12)


def prose(rng: np.random.Generator, n_words: int, p_symbols: float = P_SYMBOLS) -> list[str]:
    """Sentences of running text as whitespace-free tokens: words with their punctuation
    attached (commas, sentence ends, brackets, quotes, hyphenated pairs), numbers, dates,
    amounts, codes, and at rate ``p_symbols / 2`` runs of symbols."""
    out: list[str] = []
    start = True
    while len(out) < n_words:
        r = rng.random()
        if r < p_symbols / 2:
            t = symbols(rng)
        elif r < 0.12:
            t = _pick(rng, [number, date, amount, code])(rng).replace(" ", "")
        elif r < 0.15:
            t = f"{prose_word(rng)}-{prose_word(rng)}"
        else:
            t = prose_word(rng)
        if start and t[:1].isalpha():
            t = t[:1].upper() + t[1:]
        start = False
        q = rng.random()
        if q < 0.03:
            a, b = _pick(rng, _OPEN_CLOSE)
            t = a + t + b
        elif q < 0.12:
            t += ","
        elif q < 0.22:
            t += _pick(rng, _SENTENCE_END)
            start = True
        out.append(t)
    return out


def mrz_lines(rng: np.random.Generator, layout: str = "TD3") -> list[str]:
    """A machine-readable zone of any ICAO 9303 layout (``pxocr.mrz.icao``: TD1, TD2, TD3, MRV-A,
    MRV-B) with random fields and valid check digits."""
    from pxocr.mrz.icao import LAYOUT_BY_NAME, check_digit

    lay = LAYOUT_BY_NAME[layout]
    rows = [["<"] * lay.length for _ in range(lay.lines)]
    code = {"TD1": ["I<", "ID", "AC"], "TD2": ["I<", "AC"], "TD3": ["P<", "PD"]}.get(layout, ["V<"])
    for f in lay.fields:
        n = f.end - f.start
        if f.name == "document_code":
            text = _pick(rng, code)
        elif f.name == "names":
            text = f"{word(rng).upper()}<<{word(rng).upper()}<{pseudo_word(rng).upper()}"
        elif f.kind == "digit":  # a date, YYMMDD
            text = f"{int(rng.integers(0, 100)):02d}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 29)):02d}"
        elif f.kind == "sex":
            text = _pick(rng, "MF<")
        elif f.name in ("issuing_state", "nationality"):
            text = _chars(rng, UPPER, 3)
        elif f.name.startswith("optional"):
            k = int(rng.integers(0, n + 1))
            text = _chars(rng, UPPER + DIGITS, k) if k else ""
        else:  # the document number: 9 letters and digits
            text = _chars(rng, UPPER + DIGITS, n)
        text = "".join(c for c in text if c in UPPER + DIGITS + "<")[:n].ljust(n, "<")
        rows[f.line][f.start:f.end] = list(text)
    for c in sorted(lay.checks, key=lambda c: c.name == "composite"):
        data = "".join("".join(rows[i][a:b]) for i, a, b in c.spans)
        rows[c.at[0]][c.at[1]] = "<" if c.optional and set(data) == {"<"} else check_digit(data)
    return ["".join(r) for r in rows]


# Sub- and superscripts (formulas, chemistry, footnote marks): a token marks a script's characters
# between SUB (or SUP) and END; pxocr.synth.documents draws them smaller, lowered or raised, and the
# ground truth reads them in line ("x_{m+1}" reads "xm+1", as a PDF's text gives it).
SUB, SUP, END = "\x0e", "\x0f", "\x10"
_SUB_SCRIPTS = ("1", "2", "3", "4", "0", "i", "j", "k", "m", "n", "ij", "i,j", "m+1", "n-1", "k+1", "max", "0,1", "12")
_SUP_SCRIPTS = ("2", "3", "n", "k", "T", "*", "-1", "'", "2n", "(k)")
_CHEMICAL = (("H", "2", "O"), ("CO", "2", ""), ("SO", "4", ""), ("NH", "3", ""), ("CH", "4", ""), ("O", "2", ""))


def sub(base: str, script: str) -> str:
    return f"{base}{SUB}{script}{END}"


def sup(base: str, script: str) -> str:
    return f"{base}{SUP}{script}{END}"


def variable(rng: np.random.Generator) -> str:
    """A formula's variable: a letter with a subscript, a superscript or both."""
    v = _pick(rng, "abcdefgkmnpqrstuvwxyzABCDFKLMNPQRSTUVWXYZ")
    r = rng.random()
    if r < 0.6:
        return sub(v, _pick(rng, _SUB_SCRIPTS))
    if r < 0.85:
        return sup(v, _pick(rng, _SUP_SCRIPTS))
    return sup(sub(v, _pick(rng, _SUB_SCRIPTS[:10])), _pick(rng, _SUP_SCRIPTS[:4]))


def scripted(rng: np.random.Generator) -> str:
    """A token with a script: a variable, a power of a number, a chemical formula, or a word with
    a footnote's mark."""
    r = rng.random()
    if r < 0.6:
        return variable(rng)
    if r < 0.72:
        return sup(_pick(rng, ("10", "2", "e", "x", "1.5")), _pick(rng, ("6", "-3", "x", "n", "2", "-1", "12")))
    if r < 0.84:
        a, n, b = _pick(rng, _CHEMICAL)
        return sub(a, n) + b
    return sup(prose_word(rng), _pick(rng, ("1", "2", "3", "12", "*", "a", "+")))


def equation(rng: np.random.Generator) -> list[str]:
    """A formula's tokens: a variable, a relation, then terms (products of variables written
    together) joined by signs, sometimes trailing off."""
    out = [variable(rng), _pick(rng, ("=", "=", "<=", ">=", "<", ":="))]
    for k in range(int(rng.integers(1, 5))):
        if k:
            out.append(_pick(rng, ("+", "+", "-")))
        term = "".join(variable(rng) for _ in range(int(rng.integers(1, 3))))
        out.append(_pick(rng, ("", "", "2", "3", "0.5")) + term)
    if rng.random() < 0.4:
        out += [_pick(rng, ("+", "-"))] + (["..."] if rng.random() < 0.6 else [".", ".", "."])
    return out


def math_prose(rng: np.random.Generator, n_words: int, p_symbols: float = P_SYMBOLS) -> list[str]:
    """Running text with scripted tokens in it (a third of them listed: "x_1, x_2, ..., x_m")."""
    out = prose(rng, n_words, p_symbols)
    for _ in range(max(1, n_words // 4)):
        at = int(rng.integers(len(out) + 1))
        if rng.random() < 0.3:
            v = _pick(rng, "abcuvwxyz")
            items = [sub(v, "1") + ",", sub(v, "2") + ",", "...,", sub(v, _pick(rng, ("m", "n", "k", "m+n")))]
        else:
            items = [scripted(rng) + _pick(rng, ("", "", ",", "."))]
        out[at:at] = items
    return out
