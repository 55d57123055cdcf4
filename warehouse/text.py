"""Text from the warehouse made safe for each writer: spreadsheets, CSV, Excel, PDF and the terminal.

The loader quarantines control characters and neutralizes formula-like values, but a warehouse may hold text that
got past it (an older warehouse, a mart edited behind its back). Every writer therefore applies these rules itself:

- `FORMULA` (`safe_cell`, and `FORMULA_PATTERN` for polars): the one formula guard of the project. Text is taken
  for a formula when it starts with tab or CR, or when its first visible character is = + - @ or a look-alike
  (full-width or small forms, the minus sign, super/subscript signs) after any run of blanks: spaces, non-breaking
  and other Unicode spaces, zero-width and other format characters, control characters. Such text gets a leading
  apostrophe (OWASP's advice). Numbers are never touched.
- `clean_text` (`CONTROL_PATTERN` for polars): control characters (C0 but tab, LF and CR; DEL; C1) become U+FFFD:
  openpyxl refuses most of them, a PDF would carry them, a CSV reader may choke on NUL.
- `printable`: for the terminal, control characters (but newline and tab) and bidirectional overrides are shown
  escaped (\\x1b, \\u202e), so no escape sequence in data reaches a terminal.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CONTROL_PATTERN", "FORMULA", "FORMULA_PATTERN", "clean_text", "html_value", "printable", "safe_cell"]

#: = + - @ and what looks like them: full-width, small forms, minus sign, super- and subscript signs.
FORMULA_SIGNS = (
    "=+-@\uff1d\uff0b\uff0d\uff20\ufe62\ufe63\ufe66\ufe6b\u2212\u2796\u2795\u207a\u207b\u207c\u208a\u208b\u208c"
)


#: Blanks a reader does not see before a formula sign: every character that is whitespace or of Unicode category
#: Cc, Cf, Zs, Zl or Zp (Python 3.11's Unicode 14), as ranges; `blank` states the rule, and a test checks that the
#: ranges are exactly the characters it accepts (computing them at import took 0.2 s per `pars` call).
BLANK_RANGES = (
    (0x0000, 0x0020),
    (0x007F, 0x00A0),
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x1680, 0x1680),
    (0x180E, 0x180E),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x2064),
    (0x2066, 0x206F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)


def blank(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def _char_class(codepoints: list[int]) -> str:
    """A regex character class in \\U escapes, which Python's re and polars' (Rust) regex both read alike."""
    runs: list[list[int]] = []
    for cp in sorted(set(codepoints)):
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return "[" + "".join(f"\\U{a:08X}" if a == b else f"\\U{a:08X}-\\U{b:08X}" for a, b in runs) + "]"


_BLANKS = _char_class([cp for a, b in BLANK_RANGES for cp in range(a, b + 1)])
#: The formula rule as a regex (matched at the start of a text): used by `safe_cell` and by polars frames.
FORMULA_PATTERN = "^(?:[\\t\\r]|" + _BLANKS + "*" + _char_class([ord(c) for c in FORMULA_SIGNS]) + ")"
FORMULA = re.compile(FORMULA_PATTERN)
#: Control characters a writer replaces: C0 but tab, LF, CR; DEL; C1.
CONTROL_PATTERN = _char_class([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])
_CONTROL = re.compile(CONTROL_PATTERN)
_UNPRINTABLE = re.compile(
    _char_class(
        [
            *range(0x00, 0x09),
            *range(0x0B, 0x20),
            *range(0x7F, 0xA0),
            0x061C,
            0x200E,
            0x200F,
            *range(0x202A, 0x202F),
            *range(0x2066, 0x206A),
        ]
    )
)


def safe_cell(value):
    """Return value made inert for a spreadsheet: text that would start a formula gets a leading '.

    Numbers, dates and None pass unchanged (a negative number is a number, not a formula); only text is guarded,
    because a spreadsheet evaluates text cells such as "=HYPERLINK(...)" when a user opens a CSV or workbook.
    """
    if isinstance(value, str) and FORMULA.match(value):
        return "'" + value
    return value


def clean_text(value):
    """Text with control characters (not tab, LF, CR) replaced by U+FFFD; other values unchanged."""
    if isinstance(value, str):
        return _CONTROL.sub("\ufffd", value)
    return value


def html_value(value):
    """jinja2 `finalize` for the PDF templates: every {{ value }} loses its control characters before autoescape.

    Markup (a macro's output, built from values already finalized) passes as it is: cleaning would turn it into a
    plain string that autoescape would then escape a second time.
    """
    from markupsafe import Markup

    return value if isinstance(value, Markup) else clean_text(value)


def _escape(match: re.Match) -> str:
    cp = ord(match.group())
    return f"\\x{cp:02x}" if cp <= 0xFF else f"\\u{cp:04x}"


def printable(text) -> str:
    """Text for a terminal: control characters (not newline, tab) and bidi controls shown as \\x1b / \\u202e."""
    return _UNPRINTABLE.sub(_escape, str(text))
