"""The self-contained HTML report: totals, charts (base64 PNG) by category and by unit, tables, problems."""

from __future__ import annotations

import base64
import io
import logging
import os
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING

from review.inspect import checks as account_checks
from review.inspect.outputs import ACCOUNT_HEADERS, ANNEX_HEADERS, account_rows
from review.report import CATEGORY_ZH

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from review.inspect.results import Inspection

# CJK fonts tried in order; without any, the charts use ASCII labels (and the page says why) instead of boxes
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Noto Serif CJK SC", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN",
             "SimHei", "Microsoft YaHei", "PingFang SC")
# file names of CJK fonts, for those installed after matplotlib cached its font list (its cache is never refreshed)
CJK_FONT_FILES = ("cjk", "wqy", "wenquanyi", "sourcehan", "source-han", "droidsansfallback", "uming", "ukai",
                  "simhei", "msyh", "pingfang", "notosanssc", "notoserifsc")
NO_FONT_NOTE = (
    "本机未安装中文字体，统计图暂用英文标注（安装 fonts-wqy-zenhei 或 fonts-noto-cjk 后重新生成即为中文）。"
    " / No CJK font is installed: the charts are labelled in English (install fonts-wqy-zenhei or fonts-noto-cjk "
    "and run the inspection again for Chinese labels)."
)
MAX_UNITS = 15

STYLE = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;margin:2em auto;
max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:2px solid #b22;padding-bottom:.2em;margin-top:1.6em}
.totals{display:flex;gap:1em;flex-wrap:wrap}.totals div{background:#f6f6f6;border-radius:6px;padding:.8em 1.2em}
.totals b{display:block;font-size:1.6em;color:#b22}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #ccc;padding:.35em .5em;vertical-align:top}
th{background:#eee}td:nth-child(1),td:nth-child(3){white-space:nowrap}td:nth-child(2),td:nth-child(4){min-width:7em}
td.ev{white-space:pre-line;color:#555;font-size:.85em}.charts img{max-width:100%}
.ok{color:#2a7}.bad{color:#b22}.note{color:#a60;font-size:.85em}
"""


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family matplotlib can use, or None; fonts installed after matplotlib built its
    font cache are found on disk (nothing is downloaded)."""
    from matplotlib import font_manager

    # fonts such as WenQuanYi declare an unusual weight; matplotlib's fallback warning is noise on stderr
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    found = _first_cjk_family(font_manager.fontManager.ttflist)
    if found is None:
        cached = {font.fname for font in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            name = os.path.basename(path).lower()
            if path not in cached and any(hint in name for hint in CJK_FONT_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a damaged font file is skipped, not fatal
                    continue
        found = _first_cjk_family(font_manager.fontManager.ttflist)
    return found


def _first_cjk_family(fonts: list) -> str | None:
    installed = {font.name for font in fonts}
    return next((name for name in CJK_FONTS if name in installed), None)


@dataclass(frozen=True)
class UnitCount:
    """One owning unit (主办单位) in the chart: its accounts checked and failing."""

    name: str
    checked: int
    failing: int


def chart_units(inspection: "Inspection") -> tuple[list[UnitCount], int]:
    """The units the unit chart shows (most failing accounts first, as the notices rank them, at most MAX_UNITS)
    and how many units there are in all."""
    failing = Counter(result.account.unit or "" for result in inspection.failing)
    checked = Counter(result.account.unit or "" for result in inspection.accounts)
    ranked = sorted(checked, key=lambda u: (-failing[u], -checked[u], u))[:MAX_UNITS]
    return [UnitCount(unit, checked[unit], failing[unit]) for unit in ranked], len(checked)


def _bar_chart(ax, counts: list[tuple[str, int]], title: str, color: str) -> None:
    from matplotlib.ticker import MaxNLocator

    labels = [label for label, _ in counts][::-1]
    values = [value for _, value in counts][::-1]
    ax.barh(labels, values, color=color)
    ax.set_title(title)
    for y, value in enumerate(values):
        ax.text(value, y, f" {value}", va="center")
    ax.margins(x=0.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def unit_label(unit: str, index: int, chinese: bool) -> str:
    """A unit's name on the chart; without a CJK font a non-ASCII name becomes "unit N" (the page lists them)."""
    if chinese:
        return unit or "（未填）"
    return (unit or "(none)") if not unit or unit.isascii() else f"unit {index + 1}"


def figures(inspection: "Inspection", config: dict, font: str | None) -> list[tuple[str, "Figure"]]:
    """(alt text, matplotlib figure) for the chart by category and the chart by unit; empty without data.
    With `font` (a CJK family) every label is Chinese; without one, ASCII."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = {**CATEGORY_ZH, **config.get("labels", {})}
    registry = account_checks.discover()

    def name(chinese: str, ascii_name: str) -> str:
        return chinese if font else ascii_name

    by_check = Counter(problem.check for result in inspection.accounts for problem in result.problems)
    by_category: Counter[str] = Counter()
    for result in inspection.accounts:
        for post in result.account.posts:
            by_category.update({finding.get("category", "?") for finding in post.findings})
    units, unit_total = chart_units(inspection)

    made = []
    context = {"font.family": [font, "sans-serif"]} if font else {}
    with plt.rc_context({**context, "axes.unicode_minus": False}):
        if by_check or by_category:
            fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
            _bar_chart(
                axes[0],
                [(name(registry[c].label if c in registry else c, c), n) for c, n in by_check.most_common()],
                name("账号问题（账号数）", "account problems (accounts)"),
                "#b22222",
            )
            _bar_chart(
                axes[1],
                [(name(labels.get(c, c), c), n) for c, n in by_category.most_common()],
                name("稿件问题类别（篇数）", "post findings by category (posts)"),
                "#d2691e",
            )
            fig.tight_layout()
            made.append(("问题分类统计 / problems by category", fig))
        if units:
            fig, ax = plt.subplots(figsize=(11, 0.45 * len(units) + 1.2))
            positions = range(len(units))[::-1]
            ax.barh([p + 0.2 for p in positions], [u.checked for u in units], height=0.4, color="#9bb",
                    label=name("检查账号", "checked"))
            ax.barh([p - 0.2 for p in positions], [u.failing for u in units], height=0.4, color="#b22222",
                    label=name("不合格账号", "failing"))
            ax.set_yticks(list(positions))
            ax.set_yticklabels([unit_label(u.name, i, font is not None) for i, u in enumerate(units)])
            shown = f"（前{MAX_UNITS}个）" if unit_total > MAX_UNITS else ""
            ax.set_title(name(f"按主办单位统计账号{shown}", f"accounts by owning unit (top {MAX_UNITS})"
                              if shown else "accounts by owning unit"))
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars, never over them
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            fig.tight_layout()
            made.append(("按主办单位统计 / accounts by unit", fig))
    return made


def charts(inspection: "Inspection", config: dict) -> list[tuple[str, str]]:
    """(alt text, base64 PNG) for the chart by category and the chart by unit; empty without data."""
    import matplotlib.pyplot as plt

    font = cjk_font()
    images = []
    for alt, fig in figures(inspection, config, font):
        with plt.rc_context({"font.family": [font, "sans-serif"]} if font else {}):
            images.append((alt, _png(fig)))
        plt.close(fig)
    return images


def chart_notes(inspection: "Inspection") -> list[str]:
    """What the page says under the charts when no CJK font is installed: why they are in English, and which
    unit each "unit N" is."""
    if cjk_font() is not None:
        return []
    units, _ = chart_units(inspection)
    named = [f"unit {i + 1} = {u.name}" for i, u in enumerate(units) if u.name and not u.name.isascii()]
    return [NO_FONT_NOTE] + (["；".join(named)] if named else [])


def _table(headers: tuple[str, ...] | list[str], rows: list[list[str]], evidence_column: int | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="ev">{escape(cell)}</td>' if i == evidence_column else f"<td>{escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(inspection: "Inspection", annex: list[list[str]], config: dict, title: str) -> str:
    """The whole report as one HTML page with everything embedded."""
    totals = [
        ("检查账号", str(len(inspection.accounts))),
        ("不合格账号", str(len(inspection.failing))),
        ("合格率", inspection.pass_rate_text.removeprefix("合格率")),
        ("稿件", str(inspection.posts)),
        ("输入问题", str(len(inspection.problems))),
    ]
    parts = [
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>共检查政务新媒体账号 {len(inspection.accounts)} 个，发现问题账号 {len(inspection.failing)} 个，"
        f"<b class='{'ok' if not inspection.failing else 'bad'}'>{escape(inspection.pass_rate_text)}</b>。"
        f"监测时间点 {inspection.checked_at:%Y-%m-%d %H:%M}，更新检查周期 {inspection.window_days} 天。</p>",
        "<div class='totals'>" + "".join(f"<div>{escape(k)}<b>{escape(v)}</b></div>" for k, v in totals) + "</div>",
        "<h2>统计图</h2><div class='charts'>",
    ]
    for alt, png in charts(inspection, config):
        parts.append(f"<p><img alt='{escape(alt)}' src='data:image/png;base64,{png}'></p>")
    for note in chart_notes(inspection):
        parts.append(f"<p class='note'>{escape(note)}</p>")
    parts.append("</div><h2>问题账号清单</h2>")
    parts.append(_table(ANNEX_HEADERS, annex, evidence_column=5) if annex else "<p>未发现问题账号。</p>")
    parts.append("<h2>全部检查账号</h2>")
    parts.append(_table(ACCOUNT_HEADERS, account_rows(inspection, config)))
    parts.append(f"<h2 id='problems'>输入问题（problems，{len(inspection.problems)} 项）</h2>")
    if inspection.problems:
        problem_rows = [
            [str(p.line) if p.line is not None else "", p.post_id or "", p.code, p.message] for p in inspection.problems
        ]
        parts.append(_table(["行", "稿件 ID", "代码", "说明"], problem_rows))
    else:
        parts.append("<p>无。</p>")
    parts.append(
        f"<p style='color:#888;font-size:.8em'>审校检查项：{escape(', '.join(inspection.checks))}；"
        f"账号检查项：{escape(', '.join(inspection.account_checks))}</p></body></html>"
    )
    return "\n".join(parts)
