"""Printable HTML handed to the applicant: the service tracking card (一跟到底服务跟踪卡) and the
one-time notice of missing materials (一次性告知书). Every value is HTML-escaped; laid out for A5 (the
default), A4 or an 80 mm receipt printer (`?paper=`); a QR code opens the citizen's status page for the case.
The applicant's name is the masked one (printouts leave the window and are photographed)."""

from datetime import UTC, datetime
from html import escape
from string import Template
from typing import Literal
from urllib.parse import urlencode

import segno
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from shared import problems
from shared.auth.principal import Principal
from shared.clock import local_time, stored_utc
from services.intake import store
from services.intake.api.deps import CasePrinter, CatalogueDep, RuntimeDep, SettingsDep, require_case
from services.intake.api.errors import case_not_found
from services.intake.domain.batch import item_reference
from services.intake.domain.districts import DistrictCatalogue, problem_kind_of
from services.intake.domain.lifecycle import STATE_LABELS_ZH, CaseState
from services.intake.domain.missing_items import MissingItem, MissingItemState
from services.intake.domain.one_time_notice import build_one_time_notice

router = APIRouter(prefix="/cases", tags=["printouts"])

Paper = Literal["a5", "a4", "receipt"]
# The page size and the body's width per paper: a receipt printer's roll is 80 mm wide, 72 mm printable.
_PAPER: dict[str, tuple[str, str]] = {
    "a5": ("A5; margin: 12mm", "11pt"), "a4": ("A4; margin: 18mm", "12pt"),
    "receipt": ("80mm auto; margin: 4mm", "9pt; max-width: 72mm"),
}

_PAGE = Template("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>$title</title>
<style>
@page { size: $size; }
body { font-family: "Noto Sans CJK SC", "PingFang SC", sans-serif; font-size: $font; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 6mm; }
.number { font-size: 20pt; letter-spacing: 2px; text-align: center; font-weight: bold; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #444; padding: 2mm; }
th { text-align: left; width: 32%; } .note { font-size: 9pt; color: #333; margin-top: 4mm; }
@media print { .no-print { display: none; } }
.qr { text-align: center; margin-top: 4mm; font-size: 9pt; } .qr svg { width: 30mm; height: 30mm; }
</style></head><body>
$body
$qr
<p class="no-print"><button onclick="window.print()">打印 / Print</button></p>
</body></html>""")


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows) + "</table>"


def _page(title: str, body: str, *, paper: Paper, status_url: str) -> HTMLResponse:
    size, font = _PAPER[paper]
    return HTMLResponse(_PAGE.substitute(title=escape(title), body=body, size=size, font=font,
                                         qr=_status_qr(status_url)))


def status_page_url(base: str, case_number: str) -> str:
    """The citizen's status page (进度查询) for one case: the QR code's target."""
    return f"{base}?{urlencode({'case': case_number})}"


def _status_qr(url: str) -> str:
    """The QR code as inline SVG (no image request, prints sharp at any size: a viewBox, sized by the page's CSS)."""
    svg = segno.make_qr(url, error="m").svg_inline(border=2, omitsize=True)
    return f'<div class="qr" data-url="{escape(url)}">{svg}<div>扫码查询办理进度</div></div>'


def _spaced(case_number: str) -> str:
    """`FT-20261121-0042` read out on the phone in groups: `FT - 2026 1121 - 0042`."""
    prefix, day, sequence = case_number.split("-")
    return f"{prefix} - {day[:4]} {day[4:]} - {sequence}"


async def _case_and_hall(catalogue: DistrictCatalogue, session, case_id: str,
                         principal: Principal):
    case = await store.get_case(session, case_id=case_id)
    if case is None:
        raise case_not_found(case_id)
    require_case(principal, "case.print", case)
    hall, district = catalogue.hall(case.hall)
    return case, hall, district


@router.get("/{case_id}/tracking-card", response_class=HTMLResponse)
async def tracking_card(case_id: str, runtime: RuntimeDep, settings: SettingsDep, catalogue: CatalogueDep,
                        principal: CasePrinter, paper: Paper = "a5") -> HTMLResponse:
    """The service tracking card: case number, the window and the contact for the next visit."""
    async with runtime.sessions() as session:
        case, hall, district = await _case_and_hall(catalogue, session, case_id, principal)
        items = await store.batch_items(session, case_id=case.id)
    kind = problem_kind_of(district, case.problem_kind)
    registered = local_time(stored_utc(case.created_at))
    rows = [
        ("申请人", case.applicant_masked["name"]),
        ("登记时间", f"{registered:%Y-%m-%d %H:%M}"),
        ("问题类型", kind.name_zh),
        ("当前状态", STATE_LABELS_ZH[CaseState(case.state)]),
        ("承办大厅", hall.name_zh),
        ("再次来访请到", f"{hall.address_zh} {settings.handling_window}"),
        ("联系电话", hall.contact_phone),
        ("首问负责人", case.first_responder),
    ]
    rows += [(f"事项 {item_reference(case.case_number, i.item_no)}", i.label) for i in items]
    body = (
        "<h1>一跟到底服务跟踪卡</h1>"
        f'<p class="number">{escape(_spaced(case.case_number))}</p>'
        f"<p style='text-align:center'>案件编号 {escape(case.case_number)}</p>"
        + _table(rows)
        + '<p class="note">凭案件编号和登记手机号后四位,可随时查询办理进度;来访或来电时请报案件编号。</p>'
    )
    return _page(f"服务跟踪卡 {case.case_number}", body, paper=paper,
                 status_url=status_page_url(settings.status_page_url, case.case_number))


@router.get("/{case_id}/one-time-notice", response_class=HTMLResponse)
async def one_time_notice(case_id: str, runtime: RuntimeDep, settings: SettingsDep, catalogue: CatalogueDep,
                          principal: CasePrinter, paper: Paper = "a5") -> HTMLResponse:
    """The one-time notice (一次性告知书): every missing item at once, with its due date and state."""
    async with runtime.sessions() as session:
        case, hall, _district = await _case_and_hall(catalogue, session, case_id, principal)
        rows = await store.missing_items(session, case_id=case.id)
    if not rows:
        raise problems.not_found(zh="本案没有容缺材料", en="this case has no missing items")
    notice = build_one_time_notice(
        case_number=case.case_number, applicant_name=case.applicant_masked["name"], hall_name=hall.name_zh,
        window=settings.handling_window, contact_phone=hall.contact_phone, issued_at=datetime.now(UTC),
        items=[MissingItem(item_no=r.item_no, name=r.name, due_on=r.due_on, note=r.note,
                           state=MissingItemState(r.state)) for r in rows],
    )
    state_zh = {MissingItemState.pending: "待补正", MissingItemState.supplied: "已补齐",
                MissingItemState.waived: "免于提交"}
    lines = "".join(
        f"<tr><td>{line.item_no}</td><td>{escape(line.name)}</td><td>{escape(line.note)}</td>"
        f"<td>{line.due_on:%Y-%m-%d}</td><td>{state_zh[line.state]}</td></tr>"
        for line in notice.lines
    )
    body = (
        "<h1>一次性告知书</h1>"
        f"<p>{escape(notice.applicant_name)}:您申请的事项(案件编号 {escape(notice.case_number)})已容缺受理。"
        f"尚缺以下材料共 {len(notice.lines)} 项(待补正 {notice.pending_count} 项),现一次性告知,"
        "请在期限内补齐:</p>"
        "<table><tr><th>序号</th><th>材料名称</th><th>说明</th><th>补正期限</th><th>状态</th></tr>"
        f"{lines}</table>"
        + _table([("提交地点", f"{notice.hall_name} {notice.window}"), ("联系电话", notice.contact_phone),
                  ("告知日期", f"{notice.issued_on:%Y-%m-%d}")])
    )
    return _page(f"一次性告知书 {case.case_number}", body, paper=paper,
                 status_url=status_page_url(settings.status_page_url, case.case_number))
