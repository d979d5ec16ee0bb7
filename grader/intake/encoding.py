"""The text of a handed-in .py or notebook, whatever encoding the student's editor saved
it in.

Python reads a source file as UTF-8 unless it declares another encoding; an editor on a
Traditional Chinese Windows saves Big5 (cp950) by default, and such a file fails to
import. The file is decoded with the encoding it declares, else UTF-8, else the one
charset-normalizer detects; the graded copy is then written as UTF-8 and the row notes
the encoding, never silently turning the comments into U+FFFD. A notebook is JSON, UTF-8
by its standard, but one re-saved by a text editor (Notepad's "ANSI", GBK, UTF-16) is
decoded the same way (its UTF-16 or UTF-32 byte-order mark, else detection) and noted.
"""

import codecs
import io
import json
import re
import tokenize

# The coding declaration of a file's first two lines (PEP 263).
CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def read_source(data):
    """(text, encoding) of a .py's bytes; encoding is "" for UTF-8 (or ASCII), else the
    name of the one that decoded it (which the caller notes)."""
    try:
        declared, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # an unknown declared encoding
        declared = "utf-8"
    try:
        text = data.decode(declared)
        if data.startswith(codecs.BOM_UTF8):
            text = text.lstrip("\ufeff")
        return text, ""
    except (UnicodeDecodeError, LookupError):
        pass
    detected = _detect(data)
    if detected:
        return data.decode(detected, errors="replace"), detected
    return data.decode("utf-8", errors="replace"), "unknown (undecodable bytes replaced)"


def read_notebook(data):
    """(text, encoding) of a notebook's bytes; encoding is "" for UTF-8 (with or without a
    byte-order mark), else the name of the one that decoded it (which the caller notes)."""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    by_mark = json.detect_encoding(data)  # UTF-16 and UTF-32, as JSON allows them
    if by_mark != "utf-8":
        try:
            return data.decode(by_mark).lstrip("\ufeff"), by_mark
        except UnicodeDecodeError:
            pass
    detected = _detect(data) if data.lstrip()[:1] == b"{" else None  # else no notebook
    if detected:
        return data.decode(detected, errors="replace"), detected
    return data.decode("utf-8", errors="replace"), "unknown (undecodable bytes replaced)"


def _detect(data):
    try:
        from charset_normalizer import from_bytes
    except ImportError:
        return None
    best = from_bytes(data, cp_isolation=None).best()
    return best.encoding if best is not None else None


def as_utf8(text):
    """text with any coding declaration of its first two lines neutralised, to write as
    UTF-8 (a kept `# coding: big5` would make Python misread the UTF-8 copy)."""
    lines = text.split("\n")
    for index in range(min(2, len(lines))):
        if CODING.match(lines[index].encode("utf-8", errors="replace")):
            lines[index] = "# (encoding declaration removed: this copy is UTF-8)"
    return "\n".join(lines)
