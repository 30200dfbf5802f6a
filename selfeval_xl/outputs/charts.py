"""Chart images for the district report (PNG bytes, drawn with matplotlib's Agg backend).

Chinese labels need a CJK font; the first one installed from a list of the usual ones
(Noto Sans/Serif CJK on Linux, 微软雅黑/黑体 on Windows, 苹方 on macOS) is used. Without any,
the bars are still right and the labels may show as boxes."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from selfeval_xl.outputs.report import CHART_WIDTH_CM  # noqa: E402

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK JP",
    "Noto Serif CJK JP",
)
BAR_COLORS = ("#63BE7B", "#5B9BD5", "#FFC000", "#F8696B")  # 优 良 中 差, as the summary's fills
# The report prints a chart CHART_WIDTH_CM wide: drawn that wide, labels and all (constrained
# layout), its text prints at the size it is drawn (10 pt), not shrunk with the picture
PRINT_WIDTH_IN = CHART_WIDTH_CM / 2.54


def cjk_font() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


DPI = 150


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def bar_chart(
    labels: Sequence[str], values: Sequence[float], title: str, ylabel: str, colors: Sequence[str] = ()
) -> bytes:
    """A vertical bar chart with the value over each bar."""
    font = cjk_font()
    with (
        warnings.catch_warnings(),
        plt.rc_context({"font.sans-serif": [font] if font else [], "axes.unicode_minus": False}),
    ):
        warnings.simplefilter("ignore")  # missing-glyph warnings when no CJK font is installed
        fig, ax = plt.subplots(figsize=(PRINT_WIDTH_IN, 3.0), layout="constrained")
        bars = ax.bar(list(labels), list(values), color=list(colors) or None)
        ax.bar_label(bars, labels=[f"{v:g}" for v in values], padding=2)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if all(float(v).is_integer() for v in values):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(y=0.15)
        return _png(fig)


def hbar_chart(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str, fmt: str = "{:.2f}%") -> bytes:
    """A horizontal bar chart, first label on top; one bar per value, even where two labels read
    alike (two submissions of one unit and project: as categories they shared one bar)."""
    font = cjk_font()
    with (
        warnings.catch_warnings(),
        plt.rc_context({"font.sans-serif": [font] if font else [], "axes.unicode_minus": False}),
    ):
        warnings.simplefilter("ignore")
        fig, ax = plt.subplots(figsize=(PRINT_WIDTH_IN, 0.7 + 0.4 * max(len(labels), 1)), layout="constrained")
        places = range(len(values))
        bars = ax.barh(places, list(values)[::-1], color="#5B9BD5")
        ax.set_yticks(places, list(labels)[::-1])
        ax.bar_label(bars, labels=[fmt.format(v) for v in list(values)[::-1]], padding=2)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(x=0.15)
        return _png(fig)
