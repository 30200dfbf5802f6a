"""Text of scanned XML: character references turned into characters, once per reference met
(``part_scan`` and ``shared_strings`` read the text of parts known to be well-formed and to
declare no entity, so the five predefined entities and character references are all there is)."""

from __future__ import annotations

import re

from selfeval_xl.ooxml.plain_check import xml_char

# The references text may hold once the part is known to be well-formed with no DTD: the five
# predefined entities and character references (openpyxl writes every CJK character as one).
_REFERENCE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")


class _Characters(dict[str, str]):
    """Reference body (``#35745``, ``#x8ba1``, ``amp``) → its character, filled as met: one per
    character ever referenced, so that text is decoded by ``map`` in C, no Python call per reference."""

    def __missing__(self, body: str) -> str:
        # leading zeros dropped first: &#0000…65; is well-formed, and int() takes 4,300 digits
        char = chr(int(body[2:].lstrip("0") or "0", 16) if body.startswith("#x") else int(body[1:].lstrip("0") or "0"))
        self[body] = char
        return char


_CHARACTERS = _Characters(lt="<", gt=">", amp="&", quot='"', apos="'")
_NUMERIC_REFERENCE = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")


class _Utf8(dict[bytes, bytes]):
    """Numeric reference body → the character's UTF-8 bytes when it is not ASCII (so not
    markup, and not a character that line-end or attribute normalisation treats apart): such a
    reference and the character itself are the same text to an XML parser."""

    def __missing__(self, body: bytes) -> bytes:
        # a reference to no character XML takes (or of more digits than any needs: int() takes
        # 4,300) is kept, for the check of the text (``plain_check.chars_ok``) to find
        code = -1 if len(body) > 9 else int(body[1:], 16) if body.startswith(b"x") else int(body)
        utf8 = self[body] = chr(code).encode() if code >= 0x80 and xml_char(code) else b"&#" + body + b";"
        return utf8


_UTF8 = _Utf8()
_KEPT_REFERENCES = 1 << 16  # the tables above are emptied past this many entries


def characters_as_utf8(body: bytes) -> bytes:
    """``body`` with its non-ASCII character references (openpyxl writes each CJK character of
    an inline string as one) replaced by the characters, all at once."""
    if len(_UTF8) > _KEPT_REFERENCES:
        _UTF8.clear()
    parts = _NUMERIC_REFERENCE.split(body)
    parts[1::2] = map(_UTF8.__getitem__, parts[1::2])
    return b"".join(parts)


def element_text(raw: bytes) -> str:
    """Element text as the parser gives it."""
    s = raw.decode()
    if "&" not in s:
        return s
    if len(_CHARACTERS) > _KEPT_REFERENCES:
        _CHARACTERS.clear()
        _CHARACTERS.update(lt="<", gt=">", amp="&", quot='"', apos="'")
    parts = _REFERENCE.split(s)
    parts[1::2] = map(_CHARACTERS.__getitem__, parts[1::2])
    return "".join(parts)
