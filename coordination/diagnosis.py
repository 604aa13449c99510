"""Koordineringsinsatser are documented without diagnosis. This finds text that looks like an
ICD-10 code (F32.1, M54, F43.8A) so the form can point it out before anything is saved."""

from __future__ import annotations

import re

# A letter and two digits, optionally a point and up to four more characters, standing alone.
# Lower case counts only with the decimal part ("f32.1"): "v12" is more likely a week.
_CODE = re.compile(
    r"(?<![\wÅÄÖåäö.])"
    r"(?:[A-Z]\d{2}(?:\.\d[0-9A-Z]{0,3})?|[a-z]\d{2}\.\d[0-9a-z]{0,3})"
    r"(?![\wÅÄÖåäö])"
)


def diagnosis_codes(text: str) -> list[str]:
    """The ICD-10-like codes in the text, in order, each once."""
    found: list[str] = []
    for match in _CODE.finditer(text or ""):
        code = match.group(0)
        if code not in found:
            found.append(code)
    return found
