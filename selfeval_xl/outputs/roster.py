"""``selfeval template --roster``: one prefilled template per unit in a roster (xlsx or csv)."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

from selfeval_xl._fs import NAME_MAX
from selfeval_xl.errors import SelfevalError
from selfeval_xl.ooxml.ownership import refusal
from selfeval_xl.ooxml.package import open_book
from selfeval_xl.outputs.template import generate_template
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import RuleSet

ROSTER_COLUMNS = (L.INFO_UNIT_CODE, L.INFO_UNIT, L.INFO_PARENT, L.INFO_PROJECT)
ROSTER_OPTIONAL = (L.INFO_YEAR,)
_WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
MAX_STEM = 100  # leaves room for a deep folder under Windows' 260-character path limit


class RosterError(Exception):
    """The roster cannot be used (message in Chinese, names file and column)."""


class RosterClash(RosterError):
    """A template to be written is already there and is not ours (exit 2: nothing written)."""


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # a unit code typed as a number
    return unicodedata.normalize("NFC", str(v)).strip()


def read_roster(path: Path) -> list[dict[str, str]]:
    """Rows of the roster keyed by the contract's labels (单位编码, 单位名称, 主管部门, 项目名称,
    and 评价年度 when present). CSV may be UTF-8 or GBK (what Excel saves on Chinese Windows)."""
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise RosterError(f"{path.name}：无法识别文件编码，请另存为 UTF-8 CSV")
        table = [[c for c in r] for r in csv.reader(text.splitlines())]
    else:
        try:
            book = open_book(path)
            grid = book.sheet(book.sheet_names[0])
        except SelfevalError as exc:
            raise RosterError(str(exc.problem)) from None
        width = max((c for _, c in grid.cells), default=-1) + 1
        table = [[_text(grid.value(r, c)) for c in range(width)] for r in range(1, grid.max_row + 1)]
    for i, header in enumerate(table[: L.HEADER_SEARCH_ROWS]):
        labels = [L.normalize_label(h) for h in header]
        if L.INFO_UNIT in labels:
            cols = {label: labels.index(label) for label in (*ROSTER_COLUMNS, *ROSTER_OPTIONAL) if label in labels}
            missing = [c for c in ROSTER_COLUMNS if c not in cols]
            if missing:
                raise RosterError(f"{path.name}：名单缺少列“{'”“'.join(missing)}”")
            rows = []
            for raw_row in table[i + 1 :]:
                rec = {k: _text(raw_row[c]) if c < len(raw_row) else "" for k, c in cols.items()}
                if any(rec.values()):
                    rows.append(rec)
            return rows
    raise RosterError(f"{path.name}：在前 {L.HEADER_SEARCH_ROWS} 行找不到表头“{L.INFO_UNIT}”")


def safe_filename(parts: list[str], suffix: str = ".xlsx") -> str:
    """A file name that Windows, macOS and Linux all accept, built from ``parts``."""
    stem = "_".join(p for p in parts if p)
    stem = _WINDOWS_BAD.sub("_", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" .")[:MAX_STEM]
    # and at most 255 bytes a name (ext4, APFS), room left for a "_99" that tells twins apart:
    # 100 Chinese characters are 300 bytes in UTF-8, so about 82 of them fit
    room = NAME_MAX - len(suffix.encode()) - 4
    stem = stem.encode()[:room].decode("utf-8", "ignore").rstrip(" .")
    if not stem:
        stem = "未命名单位"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    return stem + suffix


def make_roster_templates(roster: Path, out_dir: Path, rules: RuleSet) -> list[Path]:
    """One template per roster row in ``out_dir``, 基本信息 prefilled; names never collide."""
    rows = read_roster(roster)
    if not rows:
        raise RosterError(f"{roster.name}：名单中没有单位")
    out_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    jobs = []
    for rec in rows:
        name = safe_filename([rec[L.INFO_UNIT_CODE], rec[L.INFO_UNIT], rec[L.INFO_PROJECT]])
        stem, n = name[: -len(".xlsx")], 2
        while name.lower() in used:
            name = f"{stem}_{n}.xlsx"
            n += 1
        used.add(name.lower())
        prefill: dict[str, object] = {k: v for k, v in rec.items() if v}
        year = rec.get(L.INFO_YEAR, "")
        if year.isdigit():
            prefill[L.INFO_YEAR] = int(year)
        jobs.append((out_dir / name, prefill))
    # every name checked before any is written: a template already filled in is never replaced
    if taken := [p.name for p, _ in jobs if refusal(p)]:
        more = f" 等 {len(taken)} 个" if len(taken) > 1 else ""
        raise RosterClash(
            f"错误：{out_dir} 中已有 {taken[0]}{more}文件，且不是本工具生成的（或已被填写），为免覆盖已停止；"
            "请用 --out-dir 指定其他文件夹"
        )
    return [generate_template(path, rules, prefill) for path, prefill in jobs]
