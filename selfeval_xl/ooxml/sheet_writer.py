"""Add (or replace) one worksheet in an .xlsx package without touching anything else.

openpyxl's load→save drops x14 validations, shapes, cached formula results and more
(EXCEL-NOTES.md), so write-back works on the zip: every part is copied with the same
decompressed bytes, except the bookkeeping parts SPEC §4.1 allows to change —
``xl/workbook.xml``, ``xl/_rels/workbook.xml.rels``, ``[Content_Types].xml``,
``docProps/app.xml`` and ``xl/styles.xml`` (append-only: styles we need are added at the end
of their lists, or reused when an identical entry exists, so a rerun adds nothing).

The edits are text insertions into the original XML (parsed with defusedxml first, to read
names and ids safely), so the user's parts keep their own prefixes, order and formatting.
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as plain_et
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_et

from selfeval_xl.ooxml.grid import col_letter
from selfeval_xl.ooxml.recent import Recent
from selfeval_xl.ooxml.sheet_xml import STYLED_BLANK, SheetSpec, clean_text, page_setup_xml, row_xml, sheet_xml
from selfeval_xl.ooxml.styles import Style, StyleSheet
from selfeval_xl.ooxml.xml_text import PackageError, escape, insert_before_close, masked, prefix, quoteattr
from selfeval_xl.ooxml.zip_package import (
    APP,
    BOOKKEEPING_PARTS,
    CONTENT_TYPES,
    CT_STYLES,
    CT_WORKSHEET,
    NS_MAIN,
    NS_REL,
    STRICT_MAIN,
    STRICT_REL,
    WORKBOOK,
    WORKBOOK_RELS,
    Package,
    blank_package,
    rels_part,
)

# what the write paths import from here (the pieces live in the modules named above)
__all__ = [
    "BOOKKEEPING_PARTS",
    "NS_MAIN",
    "NS_REL",
    "STYLED_BLANK",
    "Package",
    "PackageError",
    "SheetSpec",
    "Style",
    "StyleSheet",
    "blank_package",
    "clean_text",
    "page_setup_xml",
    "put_sheet",
    "row_xml",
    "save_sheet",
    "sheet_parts",
    "sheet_xml",
    "styles_part",
    "write_sheet",
]


# --- adding the sheet -----------------------------------------------------------------------
def _tree(xml: str) -> Element:
    """``xml`` parsed safely: a part with a DTD goes through defusedxml (which refuses it);
    without one there can be no entities, and the plain parser (C, no per-element Python
    handlers) reads it the same way, twice as fast."""
    return safe_et.fromstring(xml) if "<!DOCTYPE" in xml else plain_et.fromstring(xml)


def _rels_of(xml: str) -> dict[str, tuple[str, str]]:
    root = _tree(xml)
    return {e.get("Id", ""): (e.get("Type", ""), e.get("Target", "")) for e in root}


def _part_of(target: str, base: str = "xl") -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))


def _sheets(xml: str) -> list[tuple[str, str, str]]:
    """(name, sheetId, r:id) of every sheet in workbook.xml."""
    return _sheets_in(_tree(xml))[0]


def _sheets_in(root: Element) -> tuple[list[tuple[str, str, str]], bool]:
    """``_sheets`` of a parsed workbook.xml, and whether each is a child of ``<sheets>`` (so
    that a sheet added at the end of that list comes last of all)."""
    out = []
    for e in root.iter():
        if e.tag.rpartition("}")[2] != "sheet":
            continue  # any namespace: transitional or Strict OOXML (purl.oclc.org)
        rid = next((v for k, v in e.attrib.items() if k.endswith("}id")), "")
        out.append((e.get("name", ""), e.get("sheetId", "0"), rid))
    listed = sum(
        1 for p in root.iter() if p.tag.rpartition("}")[2] == "sheets" for e in p if e.tag.rpartition("}")[2] == "sheet"
    )
    return out, listed == len(out)


def _app_with_sheet(xml: str, name: str) -> str:
    """docProps/app.xml with one more worksheet title; unchanged if its shape is unfamiliar
    (the part is informational; Excel does not check it against the workbook)."""
    pairs = re.search(r"<HeadingPairs>.*?</HeadingPairs>", xml, re.S)
    titles = re.search(r"<TitlesOfParts>.*?</TitlesOfParts>", xml, re.S)
    vec = re.search(r"<(\w+:)?vector\b", xml)
    if not (pairs and titles and vec) or titles.start() < pairs.end():
        return xml
    v = vec.group(1) or ""
    variant = re.compile(rf"<{v}variant>\s*<{v}(lpstr|i4)>([^<]*)</{v}\1>\s*</{v}variant>")
    found = list(variant.finditer(xml, pairs.start(), pairs.end()))
    offset = 0
    for label, count_m in zip(found[::2], found[1::2], strict=False):
        if count_m.group(1) != "i4" or not count_m.group(2).isdigit():
            return xml
        count = int(count_m.group(2))
        if label.group(2) in ("Worksheets", "工作表"):
            entries = list(re.finditer(rf"<{v}lpstr>[^<]*</{v}lpstr>", xml[: titles.end()]))
            entries = [e for e in entries if e.start() > titles.start()]
            size = re.compile(r'size="(\d+)"').search(xml, titles.start(), titles.end())
            if size is None or len(entries) < offset + count or offset + count == 0:
                return xml
            at = entries[offset + count - 1].end()
            xml = xml[:at] + f"<{v}lpstr>{escape(name)}</{v}lpstr>" + xml[at:]
            xml = xml[: size.start(1)] + str(int(size.group(1)) + 1) + xml[size.end(1) :]
            return xml[: count_m.start(2)] + str(count + 1) + xml[count_m.end(2) :]
        offset += count
    return xml


@dataclass(frozen=True)
class _Book:
    """What ``put_sheet`` made of a package's bookkeeping parts: the ones it changed, in their
    order, before styles.xml and the sheet are added; the parts it dropped; the sheet's part;
    the package's namespaces; its styles part, whether that was read from the package and
    whether the package has a member of that name."""

    changed: tuple[tuple[str, bytes], ...]
    dropped: frozenset[str]
    part: str
    ns: tuple[str, str]
    styles_name: str
    styles_read: bool
    styles_member: bool


# The bookkeeping of the last few packages, keyed by all it is made from: the texts of
# workbook.xml, its relationships, [Content_Types].xml and docProps/app.xml, the package's member
# names, and the sheet's name, print titles and whether it opens active. Every workbook made
# from one template by one program gives the same key; parsing and editing those parts again
# for each was a tenth of the write-back. A hit is exact: the key is the whole input.
_BOOKS: Recent[tuple[object, ...], _Book] = Recent(16)
_BOOKS_SIZE = 1 << 18


def _book_key(pkg: Package, name: str, spec: SheetSpec) -> tuple[object, ...] | None:
    """``_BOOKS``' key for this package and sheet; None when a part is missing or cannot be read
    (the full path then reports it, as it always did)."""
    parts = pkg.parts
    if WORKBOOK not in parts or WORKBOOK_RELS not in parts or CONTENT_TYPES not in parts:
        return None
    try:
        texts = (pkg.text(WORKBOOK), pkg.text(WORKBOOK_RELS), pkg.text(CONTENT_TYPES))
        app = pkg.text(APP) if APP in parts else None
    except Exception:  # noqa: BLE001 - read again, and reported, by _bookkeeping
        return None
    if sum(map(len, texts)) + len(app or "") > _BOOKS_SIZE:
        return None
    return (*texts, app, tuple(parts), name, spec.page.repeat_cols, spec.repeat_rows, spec.active)


def put_sheet(pkg: Package, name: str, spec: SheetSpec) -> tuple[dict[str, bytes], set[str]]:
    """The parts to change (and to drop) so that ``pkg`` has ``spec`` as sheet ``name``: a new
    last sheet, or the existing sheet of that name replaced in place (same part, id and tab)."""
    key = _book_key(pkg, name, spec)
    book = _BOOKS.get(key) if key is not None else None
    if book is None:
        book = _bookkeeping(pkg, name, spec)
        if key is not None:
            _BOOKS.remember(key, book)
    if book.styles_read:
        styles = StyleSheet(pkg.text(book.styles_name))
    else:
        styles = StyleSheet(blank_package().text("xl/styles.xml"))
    original_styles = styles.xml
    body = sheet_xml(spec, styles.id, book.ns)
    changed = dict(book.changed)
    if styles.xml != original_styles or not book.styles_member:
        changed[book.styles_name] = styles.xml.encode("utf-8")
    changed[book.part] = body
    return changed, set(book.dropped)


def _bookkeeping(pkg: Package, name: str, spec: SheetSpec) -> _Book:
    """The bookkeeping ``put_sheet`` needs for sheet ``name``, worked out from the package's
    parts: the workbook's sheet list, relationships, content types, app.xml, print titles and
    active tab, and where the sheet and styles.xml go (the same for every package with the same
    bookkeeping parts, so ``put_sheet`` remembers it)."""
    if WORKBOOK not in pkg.parts:
        raise PackageError("zip 中没有 xl/workbook.xml")
    workbook = pkg.text(WORKBOOK)
    rels_xml = pkg.text(WORKBOOK_RELS) if WORKBOOK_RELS in pkg.parts else None
    if rels_xml is None:
        raise PackageError("zip 中没有 xl/_rels/workbook.xml.rels")
    rels = _rels_of(rels_xml)
    changed: dict[str, bytes] = {}
    dropped: set[str] = set()
    root = re.search(r"<(?:\w+:)?workbook\b[^>]*>", masked(workbook))
    strict = root is not None and STRICT_MAIN in root.group(0)
    main_ns, rel_ns = (STRICT_MAIN, STRICT_REL) if strict else (NS_MAIN, NS_REL)
    rel_styles, rel_worksheet = rel_ns + "/styles", rel_ns + "/worksheet"

    styles_target = _styles_target(rels)
    ct = pkg.text(CONTENT_TYPES)
    styles_read = styles_target is not None and styles_target in pkg.parts
    styles_name = styles_target or "xl/styles.xml"
    if not styles_read:
        if styles_name not in {_part_of(t) for _, t in rels.values()}:
            rid = _free_rid(rels)
            rels[rid] = (rel_styles, posixpath.relpath(styles_name, "xl"))
            rels_xml = insert_before_close(
                rels_xml, "Relationships", f'<Relationship Id="{rid}" Type="{rel_styles}" Target="{rels[rid][1]}"/>'
            )
        ct = insert_before_close(ct, "Types", f'<Override PartName="/{styles_name}" ContentType="{CT_STYLES}"/>')

    sheets, in_list = _sheets_in(_tree(workbook))
    existing = next((s for s in sheets if s[0] == name), None)
    # where the sheet is in the workbook's list: its own place, or last (found again after the
    # insertion when a "sheet" element stands outside <sheets>, as the list is read that way)
    index: int | None = sheets.index(existing) if existing is not None else len(sheets) if in_list else None
    if existing is not None:
        typ, target = rels.get(existing[2], ("", ""))
        if typ.rsplit("/", 1)[-1] != "worksheet":
            raise PackageError(f"工作簿中已有名为“{name}”的图表或其他类型工作表，请改名后重试")
        part = _part_of(target)
        sheet_rels = rels_part(part)
        if sheet_rels in pkg.parts:
            dropped.add(sheet_rels)
    else:
        used = {n.lower() for n in pkg.parts}
        # a stale <Override> for a part that is gone would make a duplicate PartName
        used |= {m.lower() for m in re.findall(r'PartName="/?([^"]+)"', masked(ct))}
        k = 1
        while f"xl/worksheets/sheet{k}.xml".lower() in used:
            k += 1
        part = f"xl/worksheets/sheet{k}.xml"
        rid = _free_rid(rels)
        rels_xml = insert_before_close(
            rels_xml,
            "Relationships",
            f'<Relationship Id="{rid}" Type="{rel_worksheet}" Target="{posixpath.relpath(part, "xl")}"/>',
        )
        sheet_id = max((int(s[1]) for s in sheets if s[1].isdigit()), default=0) + 1
        r = _rel_prefix(workbook, rel_ns)
        ns = "" if r else f' xmlns:r="{rel_ns}"'
        p = prefix(workbook, "sheets")
        workbook = insert_before_close(
            workbook, "sheets", f'<{p}sheet name={quoteattr(name)} sheetId="{sheet_id}"{ns} {r or "r"}:id="{rid}"/>'
        )
        ct = insert_before_close(ct, "Types", f'<Override PartName="/{part}" ContentType="{CT_WORKSHEET}"/>')
        if APP in pkg.parts:
            app = _app_with_sheet(pkg.text(APP), name)
            if app != pkg.text(APP):
                changed[APP] = app.encode("utf-8")
    if index is None:
        index = _sheet_index(workbook, name)
    workbook = _print_titles(workbook, index, name, spec)
    if spec.active:
        workbook = _activate(workbook, index)
    if workbook != pkg.text(WORKBOOK):
        changed[WORKBOOK] = workbook.encode("utf-8")
    if existing is None or rels_xml != pkg.text(WORKBOOK_RELS):
        changed[WORKBOOK_RELS] = rels_xml.encode("utf-8")
    if ct != pkg.text(CONTENT_TYPES):
        changed[CONTENT_TYPES] = ct.encode("utf-8")
    return _Book(
        tuple(changed.items()),
        frozenset(dropped),
        part,
        (main_ns, rel_ns),
        styles_name,
        styles_read,
        styles_name in pkg.parts,
    )


def _sheet_index(workbook: str, name: str) -> int:
    return [s[0] for s in _sheets(workbook)].index(name)


def _print_titles(workbook: str, idx: int, name: str, spec: SheetSpec) -> str:
    """workbook.xml with the ``_xlnm.Print_Titles`` of sheet ``name`` (the ``idx``-th: rows
    repeated atop each page, columns at the left of each printed block) replaced by the
    spec's, or removed."""
    p = prefix(workbook, "sheets")
    own = re.compile(
        rf'<{p}definedName\b(?=[^>]*\bname="_xlnm\.Print_Titles")(?=[^>]*\blocalSheetId="{idx}")[^>]*>'
        rf"[^<]*</{p}definedName>"
    )
    for m in reversed(list(own.finditer(masked(workbook)))):  # never one inside a comment
        workbook = workbook[: m.start()] + workbook[m.end() :]
    quoted = "'" + name.replace("'", "''") + "'!"
    ranges = []
    if spec.page.repeat_cols:
        ranges.append(f"{quoted}$A:${col_letter(spec.page.repeat_cols - 1)}")
    if spec.repeat_rows:
        ranges.append(f"{quoted}${spec.repeat_rows[0]}:${spec.repeat_rows[1]}")
    if ranges:
        value = escape(",".join(ranges))
        item = f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="{idx}">{value}</{p}definedName>'
        if re.search(rf"<{p}definedNames\b", masked(workbook)):
            workbook = insert_before_close(workbook, "definedNames", item)
        else:  # after sheets / functionGroups / externalReferences, as the schema orders them
            tags = "sheets|functionGroups|externalReferences"
            ends = [m.end() for m in re.finditer(rf"</{p}(?:{tags})>|<{p}(?:{tags})\b[^>]*/>", masked(workbook))]
            at = max(ends)
            workbook = workbook[:at] + f"<{p}definedNames>{item}</{p}definedNames>" + workbook[at:]
    empty = re.search(rf"<{p}definedNames>\s*</{p}definedNames>", masked(workbook))
    return workbook if empty is None else workbook[: empty.start()] + workbook[empty.end() :]


def _activate(workbook: str, idx: int) -> str:
    """workbook.xml opening on the ``idx``-th sheet (``activeTab`` of the first workbook view)."""
    p = prefix(workbook, "sheets")
    view = re.search(rf"<{p}workbookView\b[^>]*>", masked(workbook))
    if view is None:
        at = masked(workbook).index(f"<{p}sheets")
        return workbook[:at] + f'<{p}bookViews><{p}workbookView activeTab="{idx}"/></{p}bookViews>' + workbook[at:]
    tag = workbook[view.start() : view.end()]
    if re.search(r'\bactiveTab="\d*"', tag):
        new = re.sub(r'\bactiveTab="\d*"', f'activeTab="{idx}"', tag)
    else:
        head = f"<{p}workbookView"
        new = head + f' activeTab="{idx}"' + tag[len(head) :]
    return workbook[: view.start()] + new + workbook[view.end() :]


def sheet_parts(pkg: Package) -> dict[str, str]:
    """Sheet name → its part inside the package."""
    rels = _rels_of(pkg.text(WORKBOOK_RELS))
    return {name: _part_of(rels[rid][1]) for name, _, rid in _sheets(pkg.text(WORKBOOK)) if rid in rels}


def _styles_target(rels: dict[str, tuple[str, str]]) -> str | None:
    # by the type's last word, so that a Strict package's own styles are found (and kept)
    return next((_part_of(t) for typ, t in rels.values() if typ.rsplit("/", 1)[-1] == "styles"), None)


def styles_part(pkg: Package) -> str | None:
    """The package's styles part, as its workbook relationships name it (None if they do not)."""
    return _styles_target(_rels_of(pkg.text(WORKBOOK_RELS)))


def _free_rid(rels: dict[str, tuple[str, str]]) -> str:
    k = len(rels) + 1
    while f"rId{k}" in rels:
        k += 1
    return f"rId{k}"


def _rel_prefix(xml: str, rel_ns: str = NS_REL) -> str | None:
    """The prefix bound to the relationships namespace on the root element, if any (openpyxl
    with lxml declares it on each <sheet> instead, where it does not reach a new sibling)."""
    root = re.search(r"<(?:\w+:)?workbook\b[^>]*>", xml)
    m = re.search(rf'xmlns:(\w+)="{re.escape(rel_ns)}"', root.group(0)) if root else None
    return m.group(1) if m else None


def write_sheet(src: Path | None, dst: Path | io.BytesIO, name: str, spec: SheetSpec) -> None:
    """Write ``src`` (or a blank workbook) to ``dst`` with sheet ``name`` added or replaced."""
    pkg = Package.read(src) if src is not None else blank_package()
    try:
        save_sheet(pkg, dst, name, spec)
    finally:
        pkg.close()


def save_sheet(pkg: Package, dst: Path | io.BytesIO | int, name: str, spec: SheetSpec, mark: bool = False) -> None:
    """Write ``pkg`` to ``dst`` (a path, a buffer or an open descriptor) with sheet ``name``
    added or replaced; ``mark``: ``Package.save``'s."""
    changed, dropped = put_sheet(pkg, name, spec)
    pkg.save(dst, changed, dropped, mark)
