"""What intake's routes depend on, as typed `Annotated` aliases: the runtime and the settings it was built with
(tests build it with their own), the district catalogue those settings name, the caller by the permission the
route declares, an Idempotency-Key; and the helpers every resource shares: the case a route acts on, the
answer an idempotent route sends."""

import dataclasses
from dataclasses import dataclass
from hmac import compare_digest
from typing import TYPE_CHECKING, Annotated

import orjson
from fastapi import Depends, Header, Path, Request, Response, status
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth.http import Authorize, require
from shared.auth.policy import Scope, allows
from shared.auth.principal import Principal
from shared.consuming import Unit
from shared.health import get_runtime
from shared.problems import FieldError, ProblemError, invalid, not_found
from services.intake import store
from services.intake.api.errors import case_not_found
from services.intake.config import IntakeSettings
from services.intake.domain.attachments import too_large
from services.intake.domain.case_number import parse_case_number
from services.intake.domain.districts import DistrictCatalogue
from services.intake.domain.phone import phone_last_four
from services.intake.domain.ratelimit import SlidingWindow
from services.intake.store.attachments import AttachmentFiles, StagedFile
from services.intake.store.idempotency import Answer
from services.intake.store.personal_data import opened

if TYPE_CHECKING:
    from services.intake.app import IntakeRuntime

RuntimeDep = Annotated["IntakeRuntime", Depends(get_runtime)]


async def get_runtime_settings(runtime: RuntimeDep) -> IntakeSettings:
    # async, as every dependency here: FastAPI runs a sync one in its thread pool, a thread hop per request.
    return runtime.settings


SettingsDep = Annotated[IntakeSettings, Depends(get_runtime_settings)]


async def get_catalogue(runtime: RuntimeDep) -> DistrictCatalogue:
    return runtime.catalogue


CatalogueDep = Annotated[DistrictCatalogue, Depends(get_catalogue)]


async def get_attachment_files(runtime: RuntimeDep) -> AttachmentFiles:
    return runtime.attachments


AttachmentFilesDep = Annotated[AttachmentFiles, Depends(get_attachment_files)]

# The caller, authorized for the route's permission (shared/auth/policy.py); a case's own scope is checked
# once the case is read (`load_case`).
Registrar = Annotated[Principal, Authorize("case.register")]
CaseCounter = Annotated[Principal, Authorize("case.count")]
CaseReader = Annotated[Principal, Authorize("case.read")]
CaseActor = Annotated[Principal, Authorize("case.act")]
CasePrinter = Annotated[Principal, Authorize("case.print")]
Revealer = Annotated[Principal, Authorize("personal_data.reveal")]
ApplicantSearcher = Annotated[Principal, Authorize("case.find_by_applicant")]
AttachmentReader = Annotated[Principal, Authorize("attachment.read")]
AttachmentAdder = Annotated[Principal, Authorize("attachment.add")]

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, pattern=r"^[\x21-\x7e]+$",
           description="Any unique string; a retry with the same key gets the first response"),
]

ItemNo = Annotated[int, Path(ge=0, le=2**31 - 1)]  # a missing item's or batch item's number on its case


class LookupLimits:
    """The citizen's status lookup: requests per client address, and wrong answers per case number."""

    def __init__(self, settings: IntakeSettings) -> None:
        self.per_client = SlidingWindow(limit=settings.lookup_requests_per_minute, window_s=60)
        self.failures_per_case = SlidingWindow(
            limit=settings.lookup_failures_per_case, window_s=settings.lookup_failure_window_s)


async def get_lookup_limits(request: Request, settings: SettingsDep) -> LookupLimits:
    """The app's own counters, made on the first lookup."""
    state = request.app.state
    if not hasattr(state, "lookup_limits"):
        state.lookup_limits = LookupLimits(settings)
    return state.lookup_limits


LookupLimitsDep = Annotated[LookupLimits, Depends(get_lookup_limits)]


def too_many(retry_after: int, *, zh: str = "查询过于频繁,请稍后再试", en: str = "too many lookups; try again later",
             ) -> ProblemError:
    return ProblemError(status.HTTP_429_TOO_MANY_REQUESTS, zh=zh, en=en, headers={"Retry-After": str(retry_after)})


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def case_by_number_and_digits(runtime: "IntakeRuntime", limits: LookupLimits, *, client: str,
                                    case_number: str, phone_last4: str) -> store.Case:
    """The case with this number whose applicant's phone ends in these four digits (the citizen's status lookup
    and follow, no login). An unknown number and a wrong phone get the same 404, so the answer never tells
    whether a number exists; both count against the limits (`LookupLimits`, `domain/ratelimit.py`). The one
    case's phone is opened to compare its last digits (constant-time)."""
    if limits.per_client.exhausted(client):
        raise too_many(limits.per_client.retry_after_s(client))
    limits.per_client.record(client)
    number = str(parse_case_number(case_number))
    if limits.failures_per_case.exhausted(number):
        raise too_many(limits.failures_per_case.retry_after_s(number))
    async with runtime.sessions() as session:
        case = await store.find_case_by_number(session, case_number=number)
    phone = None if case is None else opened(runtime.keyring, case.model_dump(), ("phone",))["phone"]
    if case is None or not compare_digest(phone_last_four(phone), phone_last4):
        limits.failures_per_case.record(number)
        raise not_found(zh="案件编号或手机号后四位不正确", en="no case matches this number and phone")
    return case


class PublicUploadLimit(SlidingWindow):
    """Citizens' uploads (no login) per client address per minute."""


async def get_public_upload_limit(request: Request, settings: SettingsDep) -> PublicUploadLimit:
    state = request.app.state
    if not hasattr(state, "public_upload_limit"):
        state.public_upload_limit = PublicUploadLimit(limit=settings.attachments_public_per_minute, window_s=60)
    return state.public_upload_limit


PublicUploadLimitDep = Annotated[PublicUploadLimit, Depends(get_public_upload_limit)]


class PublicLimits:
    """The citizen pages' limits (api/public.py) per phone (its blind index) and per client address."""

    def __init__(self, settings: IntakeSettings) -> None:
        self.challenges_per_client = SlidingWindow(limit=settings.challenges_per_client_per_minute, window_s=60)
        self.codes_per_phone = SlidingWindow(limit=settings.codes_per_phone_per_hour, window_s=3600)
        self.codes_per_client = SlidingWindow(limit=settings.codes_per_client_per_hour, window_s=3600)
        self.resend_per_phone = SlidingWindow(limit=1, window_s=settings.code_resend_after_s)
        self.reports_per_phone_minute = SlidingWindow(limit=settings.reports_per_phone_per_minute, window_s=60)
        self.reports_per_phone_day = SlidingWindow(limit=settings.reports_per_phone_per_day, window_s=86400)
        self.reports_per_client = SlidingWindow(limit=settings.reports_per_client_per_hour, window_s=3600)


async def get_public_limits(request: Request, settings: SettingsDep) -> PublicLimits:
    state = request.app.state
    if not hasattr(state, "public_limits"):
        state.public_limits = PublicLimits(settings)
    return state.public_limits


async def small_body(request: Request, settings: SettingsDep) -> None:
    """413 for a body over the public limit, by its Content-Length (the service's own guard streams the rest)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > settings.public_body_max_bytes:
        limit = settings.public_body_max_bytes
        raise ProblemError(status.HTTP_413_CONTENT_TOO_LARGE, zh=f"请求内容过大,上限为{limit}字节",
                           en=f"the body is larger than {limit} bytes")


PublicLimitsDep = Annotated[PublicLimits, Depends(get_public_limits)]
SmallBody = Depends(small_body)


def require_case(principal: Principal, permission: str, case: store.Case) -> None:
    """403 unless the principal may do `permission` on this case (its district and hall)."""
    require(principal, permission, Scope(district=case.district, hall=case.hall))


async def load_case(unit: Unit, case_id: str, *, principal: Principal, permission: str) -> store.Case:
    """The case, in the unit's session; 404 if there is none, 403 if it is beyond the principal's scope."""
    case = await store.get_case(unit.session, case_id=case_id)
    if case is None:
        raise case_not_found(case_id)
    require_case(principal, permission, case)
    return case


async def require_on_case(session: AsyncSession, principal: Principal, permission: str, case: store.Case) -> None:
    """403 unless the principal may do `permission` on this case: its hall's clerk, its district's supervisors,
    or a department that holds a work order for it (not one cancelled)."""
    department = None
    if principal.department is not None:
        orders = await store.work_orders(session, case_id=case.id)
        if any(o.department == principal.department and o.state != "cancelled" for o in orders):
            department = principal.department
    require(principal, permission, Scope(district=case.district, hall=case.hall, department=department))


def sees_personal_data(principal: Principal, case: store.Case) -> bool:
    """Whether the principal may see the case's personal data whole (it may reveal it): others get file names,
    which often hold a name or an ID number, masked."""
    return allows(principal, "personal_data.reveal", Scope(district=case.district, hall=case.hall))


DESCRIPTION_MAX = 200  # characters, as a description given at registration (commands.AttachmentIn)
# A multipart body's parts other than the file (boundaries, headers, a description) are small: the body may
# exceed the file's limit by this much before the file itself is known to be too large.
MULTIPART_OVERHEAD = 64 * 1024
MULTIPART_DOCUMENT = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "One file; its type is sniffed from its bytes (docs/attachments.md)"},
                   "description": {"type": "string", "maxLength": DESCRIPTION_MAX,
                                   "description": "What the file is, e.g. 银行同意函原件照片"}}}}}}}


@dataclass(frozen=True)
class UploadedPart:
    file_name: str
    content_type: str
    description: str = ""


async def receive_upload(request: Request, staged: StagedFile) -> UploadedPart:
    """Stream a `multipart/form-data` body's one file part (field `staged.field`) into `staged`, never holding more
    than a chunk in memory, and read its `description` part; others are skipped. 413 once the body outgrows the
    limit (before reading it when Content-Length says so), 422 naming the field when the body is not multipart or
    holds no such file."""
    field = staged.field
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise invalid(FieldError(field=field, zh=f"{field}:请以 multipart/form-data 上传文件",
                                 en=f"{field}: send the file as multipart/form-data"))
    body_limit = staged.limit + MULTIPART_OVERHEAD
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > body_limit:
        raise too_large(field=field, limit=staged.limit)
    part: dict[str, bytes] = {}
    header: list[bytes] = [b"", b""]
    found: list[UploadedPart] = []
    receiving = False
    described: bytearray | None = None  # the description part's bytes, while it is read
    description = bytearray()

    def on_part_begin() -> None:
        nonlocal receiving, described
        part.clear()
        receiving, described = False, None

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        part[header[0].decode("latin-1").lower()] = header[1]
        header[0], header[1] = b"", b""

    def on_headers_finished() -> None:
        nonlocal receiving, described
        disposition, params = parse_options_header(part.get("content-disposition", b""))
        if disposition == b"form-data" and params.get(b"name") == b"description" and b"filename" not in params:
            described = description
        elif disposition == b"form-data" and params.get(b"name") == field.encode() and b"filename" in params:
            if found:
                raise invalid(FieldError(field=field, zh=f"{field}:一次只能上传一个文件",
                                         en=f"{field}: one file per request"))
            found.append(UploadedPart(file_name=params[b"filename"].decode("utf-8", "replace"),
                                      content_type=part.get("content-type", b"").decode("latin-1")))
            receiving = True

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if receiving:
            staged.write(data[start:end])
        elif described is not None:
            described.extend(data[start:end])
            if len(described) > 4 * DESCRIPTION_MAX:  # UTF-8: at most 4 bytes a character
                raise _long_description()

    def on_part_end() -> None:
        nonlocal receiving, described
        receiving, described = False, None

    parser = MultipartParser(boundary, {  # type: ignore[arg-type]  # its callbacks are a TypedDict of these
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end})
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > body_limit:
                raise too_large(field=field, limit=staged.limit)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as error:
        raise invalid(FieldError(field=field, zh=f"{field}:multipart 请求体无效",
                                 en=f"{field}: malformed multipart body ({error})")) from None
    if not found:
        raise invalid(FieldError(field=field, zh=f"{field}:缺少文件", en=f"{field}: no file part named {field!r}"))
    staged.finish()
    try:
        text = description.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise invalid(FieldError(field="description", zh="description:不是有效的 UTF-8",
                                 en="description: not valid UTF-8")) from None
    if len(text) > DESCRIPTION_MAX:
        raise _long_description()
    return dataclasses.replace(found[0], description=text)


def _long_description() -> ProblemError:
    return invalid(FieldError(field="description", zh=f"description:不能超过 {DESCRIPTION_MAX} 个字符",
                              en=f"description: at most {DESCRIPTION_MAX} characters"))


def too_many_uploads(retry_after: int) -> ProblemError:
    return ProblemError(429, zh="上传过于频繁,请稍后再试", en="too many uploads; try again later",
                        headers={"Retry-After": str(retry_after)})


def respond(answer: Answer) -> Response:
    """The answer as JSON, marked when it replays one stored for an Idempotency-Key."""
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(orjson.dumps(answer.body), status_code=answer.status_code, headers=headers,
                    media_type="application/json")
