"""The inspection's outputs: the annex table (CSV, XLSX), summary.json and the HTML report."""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING

from review.inspect.checks.base import Evidence
from review.report import printable

if TYPE_CHECKING:
    from review.inspect.results import AccountResult, Inspection

ANNEX_HEADERS = ("序号", "账号名称", "类型/平台", "主办单位", "存在的突出问题", "佐证（链接或摘录）")
ACCOUNT_HEADERS = ("序号", "账号名称", "类型/平台", "主办单位", "稿件数", "结论")
ANNEX_CSV = "accounts.csv"
ANNEX_XLSX = "accounts.xlsx"
REPORT_HTML = "report.html"


def platform_label(result: "AccountResult", config: dict) -> str:
    """The 类型/平台 cell: the platform's Chinese name, else the raw platform or account type."""
    account = result.account
    platforms = config.get("platforms", {})
    if account.platform:
        return platforms.get(account.platform, account.platform)
    return account.type or ""


def evidence_text(item: Evidence) -> str:
    """One evidence line: the excerpt and the link (or the post id when there is no link)."""
    where = item.url or (f"稿件 {item.post_id}" if item.post_id else "")
    return " ".join(part for part in (item.excerpt, where) if part)


def annex_rows(inspection: "Inspection", config: dict) -> list[list[str]]:
    """The failing accounts as the notices' annex table rows (without the header)."""
    rows = []
    for number, result in enumerate(inspection.failing, 1):
        account = result.account
        evidence = [evidence_text(item) for problem in result.problems for item in problem.evidence]
        rows.append(
            [
                str(number),
                account.name or account.id or "（未知账号）",
                platform_label(result, config),
                account.unit or "",
                "；".join(problem.problem for problem in result.problems),
                "\n".join(line for line in evidence if line),
            ]
        )
    return rows


def account_rows(inspection: "Inspection", config: dict) -> list[list[str]]:
    """Every checked account with its post count and 合格/不合格, in feed order."""
    return [
        [
            str(number),
            result.account.name or result.account.id or "（未知账号）",
            platform_label(result, config),
            result.account.unit or "",
            str(len(result.account.posts)),
            "不合格" if result.failed else "合格",
        ]
        for number, result in enumerate(inspection.accounts, 1)
    ]


# a cell starting with one of these is a formula to Excel (=HYPERLINK(...) in an account name a third party chose)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(text: str) -> str:
    """`text` as a CSV cell Excel shows as text: one that would start a formula gets a leading apostrophe, as
    OWASP advises for CSV injection."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: list[list[str]], path: str) -> None:
    """The annex table as UTF-8 CSV with a BOM, so that Excel opens the Chinese text correctly."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ANNEX_HEADERS)
        writer.writerows([[inert_cell(cell) for cell in row] for row in rows])


def _as_text_cells(sheet) -> None:
    """Every string cell of `sheet` stored as a string: openpyxl takes a value starting with "=" for a formula."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"


# characters an .xlsx cannot hold (XML 1.0 forbids the C0 controls but tab, line feed and carriage return)
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_cell(value: object) -> object:
    """A value as an .xlsx cell takes it: control characters (an account name with \\x01 in it, a NUL in a CSV
    cell) shown as U+FFFD instead of stopping the whole workbook (openpyxl refuses them: the inspection wrote no
    accounts.xlsx, report.html or summary.json), and a lone surrogate likewise."""
    return printable(_XLSX_ILLEGAL.sub("\ufffd", value)) if isinstance(value, str) else value


def write_xlsx(rows: list[list[str]], accounts: list[list[str]], path: str, title: str) -> None:
    """The annex table as an Excel sheet (a title row, a bold header, wrapped text), every account on a second."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "问题清单"
    sheet.append([xlsx_cell(title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ANNEX_HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(ANNEX_HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in rows:
        sheet.append([int(row[0]), *(xlsx_cell(cell) for cell in row[1:])])
    for column, width in zip("ABCDEF", (6, 24, 14, 24, 50, 60)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    _as_text_cells(sheet)
    everyone = book.create_sheet("全部账号")
    everyone.append(list(ACCOUNT_HEADERS))
    for cell in everyone[1]:
        cell.font = Font(bold=True)
    for row in accounts:
        everyone.append([int(row[0]), *(xlsx_cell(cell) for cell in row[1:4]), int(row[4]), xlsx_cell(row[5])])
    for column, width in zip("ABCDEF", (6, 24, 14, 24, 8, 8)):
        everyone.column_dimensions[column].width = width
    everyone.freeze_panes = "A2"
    _as_text_cells(everyone)
    book.save(path)


def summary(inspection: "Inspection") -> dict:
    """Totals, every account with its problems, and the input problems, as JSON."""
    return {
        "feed": inspection.feed_path,
        "checked_at": inspection.checked_at.isoformat(),
        "window_days": inspection.window_days,
        "checks": inspection.checks,
        "account_checks": inspection.account_checks,
        "totals": {
            "posts": inspection.posts,
            "reviewed_now": inspection.reviewed_now,
            "accounts": len(inspection.accounts),
            "failing": len(inspection.failing),
            "pass_rate": None if inspection.pass_rate is None else round(inspection.pass_rate, 4),
            "pass_rate_text": inspection.pass_rate_text,
        },
        "accounts": [
            {
                "id": result.account.id,
                "name": result.account.name,
                "type": result.account.type,
                "platform": result.account.platform,
                "unit": result.account.unit,
                "posts": len(result.account.posts),
                "failed": result.failed,
                "problems": [problem.to_dict() for problem in result.problems],
            }
            for result in inspection.accounts
        ],
        "problems": [problem.to_dict() for problem in inspection.problems],
    }
