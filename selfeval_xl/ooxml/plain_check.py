"""Whether a part the scanners read (``part_scan``, ``shared_strings``) is well-formed XML, as
the tree parser would find it, without expat reading every byte of it (issue 17: on a sheet
LibreOffice saved, expat's pass was a sixth of the whole pipeline).

The part is plain when its root's start tag, the declaration and what the scanners read are
as producers write them (``plain_root``). Expat (in C, with the tree parser's namespace
processing) then reads the part *around* the content the scanner tiles (``PartCheck.outside``);
inside it, the scanner's own patterns have fixed every tag's name and attributes, and what is
left to check is checked here in C, once per part: every byte is a character XML allows, the
text is UTF-8, no "]]>", and every "&" starts a reference to a character or a predefined entity
(``chars_ok``). The few things the patterns leave open (a row's attributes, a rich shared
string's runs) are read by expat inside the part's root element, those not met before all at
once (``PartCheck.fragments``), and remembered across workbooks. Anything not positively checked
falls back to expat over the whole part (``PartCheck.unsure``): what is refused never differs."""

from __future__ import annotations

import re
from itertools import islice
from xml.parsers import expat

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml.xml_guard import DEPTH_BLOCK, MAX_DEPTH, check_depth

_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*\?>\s*")
_UTF8_DECLARED = re.compile(rb"""encoding\s*=\s*["'](?i:utf-?8)["']""")
# the root's start tag, unprefixed; its name
_ATTRS = rb"""(?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*"""
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*)" + _ATTRS + rb"/?>")
# each attribute of the root's start tag: its name, its quoted value
_ROOT_ATTRIBUTES = re.compile(rb"""([\w:.-]+)\s*=\s*("[^"<]*"|'[^'<]*')""")
# Bytes XML 1.0 takes anywhere (deleted by translate; what is left is refused): all but the C0
# controls other than tab, line feed and carriage return
_XML_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in b"\t\n\r")
# What follows an "&": a character reference (at most 10 digits: int() then never works hard,
# and a longer one, zeros first, is left to expat) or one of the five predefined entities
_REFERENCE_TAIL = re.compile(rb"(?:#x([0-9a-fA-F]{1,8})|#([0-9]{1,10})|lt|gt|amp|quot|apos);")
# Fragments expat found well-formed, by the root's namespace declarations (``_scope``): the same
# few row attribute lists and rich strings in every workbook one program saves from one template
# (whose roots differ in their other attributes: a sharedStrings part's counts). Emptied past a size.
_FRAGMENTS: dict[bytes, set[bytes]] = {}
_KEPT_FRAGMENT_BYTES = 4 << 20
_kept_bytes = 0
# Past this many "&" in a part's content, or distinct fragments in a part, expat reads the whole
# part instead: a hostile part of millions of them costs what it always did, in time and memory
# (a producer's part has a few dozen of each)
MOST_REFERENCES = 4096
MOST_FRAGMENTS = 1024


def xml_char(code: int) -> bool:
    """Whether a character reference to ``code`` is one XML 1.0 takes."""
    return 0x20 <= code <= 0xD7FF or code in (0x9, 0xA, 0xD) or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def chars_ok(body: bytes) -> bool:
    """Whether every character and reference in ``body`` (content whose tags the scanner's
    patterns fixed) is one expat takes: no C0 control but tab, line feed and carriage return,
    valid UTF-8 with no U+FFFE or U+FFFF, no "]]>" (refused in text, allowed in an attribute
    value: a part that has one there is read by expat), and every "&" a reference to a
    character XML allows or a predefined entity (at most ``MOST_REFERENCES`` of them). False is
    not a refusal: expat decides. Each search is one byte looked for in C (memchr) where it can
    be: a search for three bytes takes ~25× as long."""
    if body.translate(None, _XML_BYTES) or (b"]" in body and b"]]>" in body):
        return False
    if not body.isascii():
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return False
        if "\ufffe" in text or "\uffff" in text:
            return False
    if b"&" in body:
        # cut at each "&", at most MOST_REFERENCES times (the last piece holds any more)
        pieces = body.split(b"&", MOST_REFERENCES)
        if b"&" in pieces[-1]:
            return False
        match = _REFERENCE_TAIL.match
        for piece in islice(pieces, 1, None):
            m = match(piece)
            if m is None:
                return False
            hex_digits, digits = m.groups()
            if (hex_digits or digits) and not xml_char(int(hex_digits, 16) if hex_digits else int(digits)):
                return False
    return True


def plain_root(data: bytes) -> tuple[int, bytes, bytes] | None:
    """(end of the root's start tag, the start tag, the root's name) of a part that may be
    scanned; None when it must be parsed as a tree. What is checked only by reading the whole
    part (no comment, CDATA, DOCTYPE or processing instruction, no default namespace declared
    below the root) is checked by ``checked``, in expat's pass."""
    pos = 0
    decl = _DECLARATION.match(data)
    if decl:
        if b"encoding" in decl.group(0) and not _UTF8_DECLARED.search(decl.group(0)):
            return None
        pos = decl.end()
    if b"\r" in data:
        return None
    root = _ROOT.match(data, pos)
    if root is None:
        return None
    return root.end(), root.group(0), root.group(1)


class _NotPlain(Exception):
    """Raised from expat's handlers: a comment, CDATA section, DOCTYPE or instruction."""


def _not_plain(*_: object) -> None:
    raise _NotPlain


def _well_formed(data: bytes, root_tag: bytes) -> bool:
    """Whether expat, with the tree parser's namespace processing, finds ``data`` well-formed
    and plain: no comment, CDATA section, DOCTYPE or processing instruction (the declaration
    is none), and no default namespace declared below the root (it would put unprefixed
    elements elsewhere). Expat calls Python only when it meets one of those, or a namespace
    declaration."""
    defaults = 0

    def declared(prefix: str | None, uri: str | None) -> None:
        nonlocal defaults
        if prefix is None:
            defaults += 1

    parser = expat.ParserCreate(None, "}")
    parser.CommentHandler = parser.ProcessingInstructionHandler = _not_plain
    parser.StartCdataSectionHandler = parser.StartDoctypeDeclHandler = _not_plain
    parser.StartNamespaceDeclHandler = declared
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _NotPlain):
        return False
    return defaults == [name for name, _ in _ROOT_ATTRIBUTES.findall(root_tag)].count(b"xmlns")


def checked(data: bytes, name: str, part: str, root_tag: bytes) -> bool:
    """Whether the part is well-formed, plain (``_well_formed``) and not too deeply nested: what
    the tree parser checks, without building the tree. A part that fails is left to the tree
    path, which reports it exactly as it always has."""
    return _well_formed(data, root_tag) and _depth_ok(data, name, part)


def _depth_ok(data: bytes, name: str, part: str) -> bool:
    """Whether a well-formed, plain part passes the depth check. Checked only on a part longer
    than one of ``check_depth``'s blocks: on a shorter one its one-block estimate is (start
    tags + empty tags) − end tags − "/>" ≤ 0, which never refuses."""
    try:
        if len(data) > DEPTH_BLOCK and _deep_at_a_block_end(data):
            check_depth(data, name, part)  # exact, and refuses as the tree path does
    except (expat.ExpatError, UnreadableWorkbook):
        return False
    return True


def _deep_at_a_block_end(data: bytes) -> bool:
    """Whether ``check_depth``'s estimate passes ``MAX_DEPTH`` at the end of a block, on a part
    that is well-formed and plain: there every "<?" is the declaration's, at the start, and
    there is no "<!", so three counts per block give the estimate it takes with five; and the
    last block is not counted, the whole part's estimate being ≤ 0."""
    depth = -1 if data.startswith((b"<?", b"\xef\xbb\xbf<?")) else 0
    for i in range(0, len(data) - DEPTH_BLOCK, DEPTH_BLOCK):
        j = i + DEPTH_BLOCK
        depth += data.count(b"<", i, j) - 2 * data.count(b"</", i, j) - data.count(b"/>", i, j)
        if depth > MAX_DEPTH:
            return True
    return False


def _scope(root_tag: bytes) -> bytes:
    """A start tag holding the root's namespace declarations alone: all that a fragment's
    well-formedness takes from the root (the prefixes bound, the default namespace)."""
    declared = [
        name + b"=" + value
        for name, value in _ROOT_ATTRIBUTES.findall(root_tag)
        if name == b"xmlns" or name.startswith(b"xmlns:")
    ]
    return b" ".join([b"<x", *declared]) + b">"


class PartCheck:
    """Whether one scanned part is well-formed and plain (what ``checked`` says), known piece
    by piece as the scanner reads it: ``outside`` (expat around the content), ``chars`` (the
    content's characters and references), ``fragments`` (the open pieces, new ones read by
    expat at once), ``unsure`` (a piece no check here covers); ``finish`` gives the answer,
    reading the whole part with expat only when some piece was left unsure."""

    def __init__(self, data: bytes, name: str, part: str, root_tag: bytes):
        self.data, self.name, self.part, self.root_tag = data, name, part, root_tag
        self.scope = _scope(root_tag)
        self.sure = True
        self.answer: bool | None = None

    def outside(self, start: int, end: int) -> bool:
        """Whether the part with its content ``data[start:end]`` cut out is well-formed and
        plain (cut between a start tag and its end tag, so that they meet)."""
        return _well_formed(self.data[:start] + self.data[end:], self.root_tag)

    def chars(self, body: bytes) -> bool:
        """False when ``body``'s characters or references are not all ones XML takes and expat
        refuses the part (``chars_ok`` is sure only of a yes): the text in it may not be read."""
        return chars_ok(body) or self.whole()

    def fragments(self, fragments: set[bytes]) -> None:
        """Check ``fragments``, each the part's own text of one element that closes where it
        ends (a row's start tag and end tag, a formula's tag, one ``<si>`` cut at its only
        "</si>"). Those not met before are read by expat at once, side by side inside an
        element that declares the root's namespaces: that is well-formed only when each of them
        is, as none can close what another opened (an element left open in one would stay open
        to the end)."""
        global _kept_bytes
        if not self.sure:
            return  # (expat reads the whole part anyway)
        if len(fragments) > MOST_FRAGMENTS:
            self.sure = False
            return
        known = _FRAGMENTS.get(self.scope)
        new = fragments - known if known is not None else fragments
        if not new:
            return
        new_bytes = b"".join(new)
        if not _well_formed(self.scope + new_bytes + b"</x>", self.scope):
            self.sure = False
            return
        _kept_bytes += len(new_bytes)
        if _kept_bytes > _KEPT_FRAGMENT_BYTES:
            _FRAGMENTS.clear()
            _kept_bytes = len(new_bytes)
        _FRAGMENTS.setdefault(self.scope, set()).update(new)

    def unsure(self) -> None:
        """A piece no check here covered: expat reads the whole part."""
        self.sure = False

    def whole(self) -> bool:
        """Expat's answer for the whole part (``checked``)."""
        if self.answer is None:
            self.answer = checked(self.data, self.name, self.part, self.root_tag)
        return self.answer

    def finish(self) -> bool:
        """Whether the part is well-formed and plain, once every piece has been seen."""
        if self.answer is None and self.sure:
            self.answer = _depth_ok(self.data, self.name, self.part)
        return self.whole()
