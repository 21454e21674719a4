"""The assessment export (12345 考核): one line per department with its figures, rates and card deductions,
as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese headings) or XLSX."""

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook

from services.audit.domain.assessment import DepartmentAssessment
from services.audit.domain.statistics import Rate

COLUMNS = (
    ("department", "部门 department"),
    ("received", "受理量 received"),
    ("consultations", "咨询 consultations"),
    ("dispatched", "转办 dispatched"),
    ("replied", "答复 replied"),
    ("resolved", "解决 resolved"),
    ("on_time", "按时 on time"),
    ("overdue", "超时 overdue"),
    ("returns", "退单 returns"),
    ("extensions", "延期 extensions"),
    ("redos", "重办 redos"),
    ("redo_overdue", "重办超时 redo overdue"),
    ("yellow_cards", "黄牌 yellow cards"),
    ("red_cards", "红牌 red cards"),
    ("response_rate", "响应率 response rate %"),
    ("resolution_rate", "解决率 resolution rate %"),
    ("satisfaction_rate", "满意率 satisfaction rate %"),
    ("deduction", "扣分 deduction"),
    ("score", "得分 score"),
)


def _value(line: DepartmentAssessment, name: str) -> str | int | float | None:
    if name == "department":
        return line.department
    if name in ("deduction", "score"):
        return float(getattr(line, name))
    value = getattr(line.tally, name)
    return value.percent() if isinstance(value, Rate) else value


def rows(lines: Sequence[DepartmentAssessment]) -> list[list[str | int | float | None]]:
    return [[_value(line, name) for name, _ in COLUMNS] for line in lines]


def to_csv(lines: Sequence[DepartmentAssessment]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(heading for _, heading in COLUMNS)
    writer.writerows(["" if value is None else value for value in row] for row in rows(lines))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(lines: Sequence[DepartmentAssessment], *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit on sheet names
    sheet.append([heading for _, heading in COLUMNS])
    for row in rows(lines):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
