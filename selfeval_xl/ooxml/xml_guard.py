"""Safety for the XML inside workbooks, before and while parsing: no DTD or entities (checked
by expat in C), no absurd nesting (an estimate counted in C, exact only when it is high), and
incremental parsing that drops what it has read, so that memory follows a block of the part,
not the part."""

from __future__ import annotations

import xml.etree.ElementTree as plain_et
from collections.abc import Callable, Iterator
from typing import cast
from xml.etree.ElementTree import Element
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden

from selfeval_xl.errors import UnreadableWorkbook

MAX_DEPTH = 256  # element nesting (a worksheet needs about 6)
FEED = 1 << 16  # bytes fed to the incremental parser at a time
DEPTH_BLOCK = 1 << 16  # check_depth's estimate is taken at the end of each block of this many bytes


def checked(data: bytes) -> bytes:
    """``data`` once it is known to hold no DTD. Entities need a DTD, and a DTD starts with
    "<!DOCTYPE" before the root element; only UTF-16 text could hide it from this byte search,
    so that goes through expat's check."""
    if b"<!DOCTYPE" in data or data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:1] == b"\x00" or data[1:2] == b"\x00":
        validate(data)
    return data


def check_depth(data: bytes, name: str, part: str) -> None:
    """Refuse absurd nesting before building a tree. First an estimate counted in C, block by
    block (opening minus closing tags; "<" inside a comment or CDATA raises it, "/>" in text
    lowers it); only when the estimate is high, expat counts exactly."""
    depth = 0
    for i in range(0, len(data), DEPTH_BLOCK):
        j = i + DEPTH_BLOCK  # counted in place: what a slice data[i:j] would count, without the copy
        closes = data.count(b"</", i, j)
        opens = data.count(b"<", i, j) - closes - data.count(b"<?", i, j) - data.count(b"<!", i, j)
        depth += opens - closes - data.count(b"/>", i, j)
        if depth > MAX_DEPTH:
            break
    else:
        return
    level = [0]

    def start(tag: str, attrs: object) -> None:
        level[0] += 1
        if level[0] > MAX_DEPTH:
            raise UnreadableWorkbook.at(name, None, None, "too-large", detail=f"{part} 嵌套层数过多")

    def end(tag: str) -> None:
        level[0] -= 1

    p = expat.ParserCreate()
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.StartDoctypeDeclHandler = _forbid_dtd
    p.Parse(data, True)


# on_end(element, local name, depth); on_start(...) answers whether to go on
ElementEvent = Callable[[Element, str, int], object]


def stream_parse(
    data: bytes,
    on_end: ElementEvent,
    name: str,
    part: str,
    keep_depth: int,
    on_start: ElementEvent | None = None,
    sheet: str | None = None,
) -> None:
    """Parse ``data`` incrementally, calling ``on_end(element, local name, depth)`` as each
    element closes (and ``on_start(element, local name, depth)`` as each opens, when given: a
    false answer stops the parse there). After each block fed, the finished children of open
    elements above ``keep_depth`` are dropped, so memory stays bounded by a block, not by the part."""
    parser: plain_et.XMLPullParser = plain_et.XMLPullParser(events=("start", "end"))
    stack: list[Element] = []
    locals_: dict[str, str] = {}
    for i in range(0, len(data), FEED):
        parser.feed(data[i : i + FEED])
        # with only start and end asked for, every event is (name, element)
        for event, e in cast(Iterator[tuple[str, Element]], parser.read_events()):
            tag = e.tag
            local = locals_.get(tag)
            if local is None:
                local = locals_[tag] = tag.rsplit("}", 1)[-1]
            if event == "start":
                stack.append(e)
                if len(stack) > MAX_DEPTH:
                    detail = "嵌套层数过多" if sheet else f"{part} 嵌套层数过多"
                    raise UnreadableWorkbook.at(name, sheet, None, "too-large", detail=detail)
                if on_start is not None and not on_start(e, local, len(stack)):
                    return
                continue
            on_end(e, local, len(stack))
            stack.pop()
        purge(stack, keep_depth)
    parser.close()


def purge(stack: list[Element], keep_depth: int) -> None:
    """Drop the finished children of the open elements at depths below ``keep_depth`` (every
    child but the last, which may still be open: the next element on the stack)."""
    for depth, e in enumerate(stack[: keep_depth - 1], start=1):
        n = len(e)
        if n > 1 or (n == 1 and (depth >= len(stack) or e[0] is not stack[depth])):
            last = e[-1] if depth < len(stack) and e[-1] is stack[depth] else None
            del e[:]
            if last is not None:
                e.append(last)


def validate(data: bytes) -> None:
    """Well-formedness, and no DTD or entity declarations (what defusedxml's ``forbid_dtd``
    refuses), checked by expat in C with no per-element Python calls. After this the plain
    ElementTree parser cannot be tricked into expanding anything."""
    p = expat.ParserCreate()
    p.StartDoctypeDeclHandler = _forbid_dtd
    p.EntityDeclHandler = _forbid_entity
    p.Parse(data, True)


def _forbid_dtd(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(
    name: str,
    is_parameter: bool,
    value: str | None,
    base: str | None,
    sysid: str | None,
    pubid: str | None,
    notation: str | None,
) -> None:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)
