"""Text as typed in a cell, made comparable: the one normalisation every reader applies before
matching words and numbers (``values``, ``dates`` and the layouts' label matching)."""

from __future__ import annotations

import unicodedata

_SIGN_VARIANTS = str.maketrans({"≧": "≥", "⩾": "≥", "≦": "≤", "⩽": "≤"})


def normalize_text(text: object) -> str:
    """NFKC (full-width digits and signs become ASCII), trimmed, inner spaces removed; the
    other ≥/≤ signs Chinese input methods offer (≧ ≦ ⩾ ⩽, which NFKC keeps) become ≥/≤."""
    s = str(text)
    if not s.isascii():  # NFKC leaves ASCII as it is, and the sign variants are not ASCII
        s = unicodedata.normalize("NFKC", s).translate(_SIGN_VARIANTS)
    parts = s.split()  # str.split() and the pattern \s split at the same (str.isspace) characters
    return parts[0] if len(parts) == 1 else "".join(parts)
