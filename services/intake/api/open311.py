"""The Open311 GeoReport v2 routes (docs/open311.md), under /open311/v2; the standard's catalogue, answer formats
and api keys are in `services/intake/open311/`.

Reading is open to anyone (declared PUBLIC): the specification's clients read services and requests
without a key, and the answers carry no personal data: no name, phone or e-mail, the description and
status notes with phones, ID numbers and e-mails masked, and only requests that came in through
Open311 (window and hotline cases are never listed). Posting needs an api_key (`keys`) that names the
district; a report is registered through intake's own group commit, on channel `open311`, and answers
with its case number as the service_request_id at once (no token flow is needed).
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError

from shared import tracing
from shared.auth.http import API_KEY, PUBLIC
from shared.clock import SHANGHAI
from shared.districts import DistrictPack
from services.intake import store
from services.intake.api.deps import CatalogueDep, IdempotencyKey, RuntimeDep
from services.intake.commands import ApplicantIn, CaseCreate, Origin
from services.intake.domain.errors import InvalidInput
from services.intake.domain.registration import validate_registration
from services.intake.open311 import catalogue, requests
from services.intake.open311.formats import Open311Error, answer, error_answer, response_format
from services.intake.open311.keys import key_hash
from services.intake.store.idempotency import Answer, claim_for, stored_answer
from services.intake.store.registration_batch import PendingRegistration

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])

# What the routes answer, for the OpenAPI document: the format the path names (`.json` or `.xml`), and the
# specification's error list (not problem details: GeoReport clients read this shape).
_ERRORS_SCHEMA = {"type": "array", "items": {"type": "object", "required": ["code", "description"], "properties": {
    "code": {"type": "integer"}, "description": {"type": "string"}}}}
_FORMATS = {"application/json": {"schema": {}}, "application/xml": {"schema": {"type": "string"}}}
_ERROR_FORMATS = {"application/json": {"schema": _ERRORS_SCHEMA}, "application/xml": {"schema": {"type": "string"}}}
OPEN311_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The answer, in the format the path names", "content": _FORMATS},
    **{code: {"description": text, "content": _ERROR_FORMATS} for code, text in (
        (400, "Bad input: the specification's error list names the field"),
        (403, "A missing, wrong or revoked api_key, or a district the key may not post to"),
        (404, "No such jurisdiction, service or request"))},
}

MAX_SPAN = timedelta(days=90)  # the specification's default window and widest range
MAX_REQUESTS = 1000  # the specification's largest answer
# Our names of fields → the specification's, so an error names what the client sent.
_FIELDS = {"applicant.name": "first_name/last_name", "applicant.phone": "phone", "applicant.email": "email",
           "problem_kind": "service_code", "matter_code": f"attribute[{catalogue.MATTER}]",
           "hall": f"attribute[{catalogue.HALL}]", "address": "address_string", "channel": "jurisdiction_id"}


async def _guarded(fmt: str, work: Callable[[str], Awaitable[Response]]) -> Response:
    try:
        return await work(response_format(fmt))
    except Open311Error as error:
        return error_answer(fmt, error)


def _invalid(problems: list[tuple[str, str, str]]) -> Open311Error:
    """400 naming each field as the client called it."""
    return Open311Error(400, *(f"{_FIELDS.get(field, field)}: {en} ({zh})" for field, en, zh in problems))


async def _requests(runtime: RuntimeDep, district: DistrictPack, **filters: Any) -> list[dict[str, Any]]:
    root = runtime.settings.districts_dir
    async with runtime.sessions() as session:
        cases = await store.open311_cases(session, district=district.code, limit=MAX_REQUESTS, **filters)
        leads = await store.lead_departments(session, case_ids=[case.id for case in cases]) if cases else {}
    return [requests.request_entry(root, district, case, leads.get(case.id)) for case in cases]


@router.get("/services.{fmt}", openapi_extra=PUBLIC, responses=OPEN311_RESPONSES)
async def service_list(fmt: str, districts: CatalogueDep, jurisdiction_id: str | None = None) -> Response:
    """The district's services: one per problem kind (问题类型)."""
    async def work(fmt: str) -> Response:
        district = catalogue.jurisdiction(districts, jurisdiction_id)
        return answer(fmt, "services", [catalogue.service_entry(district, kind) for kind in district.problem_kinds])
    return await _guarded(fmt, work)


@router.get("/services/{service_code}.{fmt}", openapi_extra=PUBLIC, responses=OPEN311_RESPONSES)
async def service_definition(service_code: str, fmt: str, districts: CatalogueDep,
                             jurisdiction_id: str | None = None) -> Response:
    """A service's attributes: the hall and the matter."""
    async def work(fmt: str) -> Response:
        district = catalogue.jurisdiction(districts, jurisdiction_id)
        kind = catalogue.service(district, service_code)
        return answer(fmt, "service_definition",
                      {"service_code": kind.code, "attributes": catalogue.attributes(district)})
    return await _guarded(fmt, work)


def _parse_time(name: str, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise Open311Error(400, f"{name}: {value!r} is not a W3C date-time such as 2026-12-01T00:00:00Z "
                           f"({name} 时间格式无效)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def _list_of(value: str | None) -> list[str] | None:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    return items or None


@router.get("/requests.{fmt}", openapi_extra=PUBLIC, responses=OPEN311_RESPONSES)
async def request_list(fmt: str, runtime: RuntimeDep, districts: CatalogueDep, jurisdiction_id: str | None = None,
                       service_request_id: str | None = None, service_code: str | None = None,
                       start_date: str | None = None, end_date: str | None = None,
                       status: str | None = None) -> Response:
    """Requests of the district, newest first: by id (the other filters are then ignored, as the
    specification says) or by service, status and a range of at most 90 days (the last 90 by default)."""
    async def work(fmt: str) -> Response:
        district = catalogue.jurisdiction(districts, jurisdiction_id)
        if ids := _list_of(service_request_id):
            return answer(fmt, "service_requests", await _requests(runtime, district, case_numbers=ids[:MAX_REQUESTS]))
        codes = _list_of(service_code)
        for code in codes or ():
            catalogue.service(district, code)
        statuses = set(_list_of(status) or ("open", "closed"))
        if unknown := statuses - {"open", "closed"}:
            raise Open311Error(400,
                               f"status: {', '.join(sorted(unknown))} is not open or closed (状态仅限 open、closed)")
        start, end = _parse_time("start_date", start_date), _parse_time("end_date", end_date)
        if start is None and end is None:
            end = datetime.now(UTC)
        start, end = start or end - MAX_SPAN, end or start + MAX_SPAN
        if end < start:
            raise Open311Error(400, "end_date: must not be before start_date (结束时间早于开始时间)")
        if end - start > MAX_SPAN:
            raise Open311Error(400, "start_date/end_date: the range may span at most 90 days (查询区间不得超过90天)")
        states = {s.value for s in (requests.OPEN_STATES if "open" in statuses else set())
                  | (requests.CLOSED_STATES if "closed" in statuses else set())}
        found = await _requests(runtime, district, problem_kinds=codes, states=states,
                                since=start.astimezone(UTC), until=end.astimezone(UTC))
        return answer(fmt, "service_requests", found)
    return await _guarded(fmt, work)


@router.get("/requests/{service_request_id}.{fmt}", openapi_extra=PUBLIC, responses=OPEN311_RESPONSES)
async def one_request(service_request_id: str, fmt: str, runtime: RuntimeDep, districts: CatalogueDep,
                      jurisdiction_id: str | None = None) -> Response:
    """One request, by the service_request_id its POST answered with."""
    async def work(fmt: str) -> Response:
        district = catalogue.jurisdiction(districts, jurisdiction_id)
        found = await _requests(runtime, district, case_numbers=[service_request_id])
        if not found:
            raise Open311Error(404, f"service_request_id {service_request_id!r} is not a request of {district.code} "
                               f"(请求 {service_request_id!r} 不存在)")
        return answer(fmt, "service_requests", found)
    return await _guarded(fmt, work)


async def _form(request: Request) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise Open311Error(400, "the request body must be application/x-www-form-urlencoded, as GeoReport v2 "
                           "posts it (请求须为表单编码)")
    try:
        fields = parse_qs((await request.body()).decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise Open311Error(400, "the request body is not UTF-8 (请求须为 UTF-8 编码)") from None
    return {name: values[0].strip() for name, values in fields.items()}


def _location(form: dict[str, str]) -> dict[str, Any]:
    lat, long = form.get("lat") or None, form.get("long") or None
    address = form.get("address_string") or None
    if address is None and form.get("address_id"):
        address = f"address_id {form['address_id']}"  # no master address repository here: kept as given
    if (lat is None) != (long is None):
        raise Open311Error(400, "lat/long: give both or neither (经纬度须同时提供)")
    if lat is None and address is None:
        raise Open311Error(400, "lat/long or address_string: a location is required (请提供位置)")
    location: dict[str, Any] = {"address": address}
    for name, value in (("lat", lat), ("long", long)):
        if value is not None:
            try:
                location[name] = float(value)
            except ValueError:
                raise Open311Error(400, f"{name}: {value!r} is not a number ({name} 须为数字)") from None
    return location


def _attributes(form: dict[str, str], district: DistrictPack) -> dict[str, str]:
    given = {name[len("attribute["):-1]: value for name, value in form.items()
             if name.startswith("attribute[") and name.endswith("]") and value}
    known = {attribute["code"] for attribute in catalogue.attributes(district)}
    if unknown := sorted(set(given) - known):
        raise Open311Error(400, *(f"attribute[{code}]: not an attribute of this service; one of "
                                  f"{', '.join(sorted(known))} (未知属性)" for code in unknown))
    return given


async def _key_districts(runtime: RuntimeDep, api_key: str) -> tuple[str, list[str]]:
    if not api_key:
        raise Open311Error(403, "api_key is required to post a request (缺少 api_key)")
    async with runtime.sessions() as session:
        key = await store.open311_key(session, key_hash=key_hash(api_key))
    if key is None:
        raise Open311Error(403, "api_key is not valid (api_key 无效)")
    return key.client, key.districts


def _idempotency_key(request: Request) -> str | None:
    """An optional Idempotency-Key, as every creating POST of intake honours (docs/intake.md)."""
    try:
        return _IDEMPOTENCY_KEY.validate_python(request.headers.get("idempotency-key"))
    except ValidationError as error:
        raise Open311Error(400, f"Idempotency-Key: {error.errors()[0]['msg']} (Idempotency-Key 无效)") from None


_IDEMPOTENCY_KEY = TypeAdapter(IdempotencyKey)


async def _register(runtime: RuntimeDep, pending: PendingRegistration) -> Answer:
    """Through the window's group commit; a key seen before answers with the case it registered."""
    try:
        return await runtime.registrations.submit(pending)
    except InvalidInput as error:  # the same Idempotency-Key with another report
        raise _invalid([(p.field, p.en, p.zh) for p in error.problems]) from None
    except IntegrityError:  # another intake process committed the same key first
        answer = await stored_answer(runtime, pending.claim) if pending.claim is not None else None
        if answer is None:
            raise
        return answer


@router.post("/requests.{fmt}", openapi_extra=API_KEY, responses=OPEN311_RESPONSES)
async def create_request(fmt: str, request: Request, runtime: RuntimeDep, districts: CatalogueDep) -> Response:
    """A report (form-encoded, with an api_key) registered as a case on channel open311; the answer is its
    case number as service_request_id."""
    async def work(fmt: str) -> Response:
        form = await _form(request)
        client, allowed = await _key_districts(runtime, form.get("api_key", ""))
        district = catalogue.jurisdiction(districts, form.get("jurisdiction_id") or None)
        if district.code not in allowed:
            raise Open311Error(403, f"jurisdiction_id: this api_key may not post to {district.code} "
                               f"(该 api_key 无权向 {district.code} 提交)")
        if not form.get("service_code"):
            raise Open311Error(400, "service_code is required (缺少 service_code)")
        kind = catalogue.service(district, form["service_code"])
        attributes = _attributes(form, district)
        hall = catalogue.chosen_hall(district, attributes.get(catalogue.HALL))
        name = " ".join(part for part in (form.get("first_name"), form.get("last_name")) if part)
        if name and all(ord(c) > 0x2E80 or c == " " for c in name):  # Chinese names read family name first
            name = (form.get("last_name") or "") + (form.get("first_name") or "")
        try:
            case_in = CaseCreate(
                hall=hall.code, channel="open311", problem_kind=kind.code,
                matter_code=attributes.get(catalogue.MATTER), description=form.get("description"), forward=False,
                applicant=ApplicantIn(kind="person", name=name or None, phone=form.get("phone") or None,
                                      email=form.get("email") or None),
                media_url=form.get("media_url") or None, **_location(form),
            )
        except ValidationError as error:
            raise _invalid([(".".join(str(p) for p in e["loc"]), e["msg"], "输入无效")
                            for e in error.errors()]) from None
        now = datetime.now(UTC)
        try:
            valid = validate_registration(catalogue=districts, case_in=case_in, now=now)
        except InvalidInput as error:
            raise _invalid([(p.field, p.en, p.zh) for p in error.problems]) from None
        origin = Origin(actor=f"open311:{client}", actor_detail=f"Open311 client {client}",
                        trace_context=tracing.current())
        claim = claim_for(key=_idempotency_key(request), scope=f"POST /open311 by {client}", body=case_in)
        written = await _register(runtime, PendingRegistration(valid=valid, origin=origin, now=now, claim=claim))
        notice = f"已登记,由{hall.name_zh}受理;咨询电话 {hall.contact_phone}"
        return answer(fmt, "service_requests", [{"service_request_id": written.body["case_number"],
                                                 "service_notice": notice, "account_id": None}])
    return await _guarded(fmt, work)
