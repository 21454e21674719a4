"""The citizen's own pages' backend, under /public (no login; the console forwards /public-api/<rest> here
without any token or cookie): districts and their problem kinds, a proof of work, SMS verification codes, a
report registered as a web case, following a case, and rating its reply (自助回访). docs/citizen.md.

Abuse resistance: a spent-once proof of work before any SMS; per-phone and per-address limits (`deps.PublicLimits`,
in this process's memory, as the status lookup's); codes that expire and burn after a few wrong tries; small
bodies. Every refusal is a problem naming the field, and a refused request stores nothing (but the wrong try it
was, on its verification).
"""

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, status

from shared import tracing
from shared.auth.http import PUBLIC
from shared.events.case import CaseAttachmentAdded
from shared.masking import mask_text
from shared.problems import FieldError, ProblemError, invalid, invalid_field, not_found
from shared.topics import CASE_EVENTS
from services.intake import store
from services.intake.api.deps import (
    CatalogueDep,
    LookupLimitsDep,
    PublicLimitsDep,
    RuntimeDep,
    SmallBody,
    case_by_number_and_digits,
    client_address,
)
from services.intake.api.models import (
    ChallengeOut,
    FollowMissingItem,
    FollowOut,
    FollowReply,
    PublicDistrict,
    PublicDistrictDetail,
    PublicHall,
    PublicProblemKind,
    RatingOut,
    ReportOut,
    VerificationOut,
)
from services.intake.commands import (
    ActionIn,
    ApplicantIn,
    CaseCreate,
    CitizenReport,
    FollowIn,
    Origin,
    RatingIn,
    VerificationCodeIn,
)
from services.intake.domain import citizen
from services.intake.domain.case_number import parse_case_number
from services.intake.domain.citizen import CodeOutcome
from services.intake.domain.errors import InvalidInput
from services.intake.domain.lifecycle import STATE_LABELS_ZH, ActionKind, CaseState, allowed_actions
from services.intake.domain.phone import validate_phone
from services.intake.domain.ratelimit import SlidingWindow
from services.intake.domain.registration import validate_registration
from services.intake.store.actions import act_on_case, case_status
from services.intake.store.attachments import claim_pending_attachments
from services.intake.store.citizen import send_code, spend_challenge, use_code
from services.intake.store.registration import register_case
from services.intake.store.tables import PhoneVerification, PublicChallenge

router = APIRouter(prefix="/public", tags=["citizen"])

WEB = "web"
ACTOR = "citizen:web"  # who registers and rates through these pages: the citizen, proved by phone
# A person's name left out: the case still needs one for the window to address them.
UNNAMED = "网上反映人"
# The registration's field names → this API's, so a refusal names what the page sent.
_FIELDS = {"applicant.name": "name", "applicant.phone": "phone", "applicant": "name"}
_RESPONSES = {429: {"description": "Too many requests from this phone or address; see Retry-After"},
              413: {"description": "The body is larger than the public limit"}}


def _limit(window: SlidingWindow, key: str, *, field: str, zh: str, en: str) -> None:
    """429 naming `field` when `key` used up its window; else the request counts."""
    if window.exhausted(key):
        retry = window.retry_after_s(key)
        raise ProblemError(status.HTTP_429_TOO_MANY_REQUESTS, zh=zh, en=en, headers={"Retry-After": str(retry)},
                           errors=[FieldError(field=field, zh=zh, en=en)])
    window.record(key)


def _web_district(catalogue: CatalogueDep, code: str):
    district = catalogue.district(code)
    if WEB not in district.channels:
        raise InvalidInput.single(field="district", zh=f"{district.name_zh}未开通网上反映",
                                  en=f"{district.name_en} does not take reports on the web")
    return district


def _phone(value: str) -> str:
    return validate_phone(value, field="phone")


@router.get("/districts", response_model=list[PublicDistrict], openapi_extra=PUBLIC)
async def districts(catalogue: CatalogueDep) -> list[PublicDistrict]:
    """The districts that take reports on the web."""
    return [PublicDistrict(code=d.code, name_zh=d.name_zh, name_en=d.name_en)
            for d in catalogue.districts if WEB in d.channels]


@router.get("/districts/{code}", response_model=PublicDistrictDetail, openapi_extra=PUBLIC)
async def district(code: str, catalogue: CatalogueDep) -> PublicDistrictDetail:
    """A district's halls and problem kinds, for the report form."""
    found = _web_district(catalogue, code)
    return PublicDistrictDetail(
        code=found.code, name_zh=found.name_zh, name_en=found.name_en,
        halls=[PublicHall(code=h.code, name_zh=h.name_zh) for h in found.halls],
        problem_kinds=[PublicProblemKind(code=k.code, name_zh=k.name_zh, name_en=k.name_en,
                                         consultation=k.consultation) for k in found.problem_kinds])


@router.post("/challenges", status_code=status.HTTP_201_CREATED, response_model=ChallengeOut,
             openapi_extra=PUBLIC, responses=_RESPONSES)
async def challenge(request: Request, runtime: RuntimeDep, limits: PublicLimitsDep) -> ChallengeOut:
    """A proof of work to solve before asking for an SMS code; spent by that request, and expiring."""
    _limit(limits.challenges_per_client, client_address(request), field="client", zh="请求过于频繁,请稍后再试",
           en="too many challenges from this address; try again later")
    settings = runtime.settings
    made = PublicChallenge(seed=citizen.new_seed(), difficulty_bits=settings.challenge_difficulty_bits,
                           expires_at=datetime.now(UTC) + timedelta(seconds=settings.challenge_ttl_s))
    async with runtime.sessions() as session, session.begin():
        session.add(made)
    return ChallengeOut(challenge_id=made.id, seed=made.seed, difficulty_bits=made.difficulty_bits,
                        expires_at=made.expires_at)


@router.post("/verification-codes", status_code=status.HTTP_202_ACCEPTED, response_model=VerificationOut,
             openapi_extra=PUBLIC, responses=_RESPONSES, dependencies=[SmallBody])
async def verification_code(body: VerificationCodeIn, request: Request, runtime: RuntimeDep,
                            limits: PublicLimitsDep) -> VerificationOut:
    """Text a 6-digit code to the phone (report) or to the case's own phone (follow: the same answer whether or
    not the number is the case's, so the route never tells who reported what)."""
    settings, now = runtime.settings, datetime.now(UTC)
    phone = _phone(body.phone)
    if body.district is not None:
        _web_district(runtime.catalogue, body.district)
    number = None
    if body.purpose == "follow":
        if not body.case_number:
            raise invalid_field("case_number", zh="查询案件须填写案件编号",
                                en="case_number is required to follow a case")
        number = str(parse_case_number(body.case_number))
    phone_index = runtime.keyring.blind_index("phone", phone)
    client = client_address(request)
    _limit(limits.codes_per_client, client, field="client", zh="本机获取验证码过于频繁,请稍后再试",
           en="too many codes asked from this address; try again later")
    async with runtime.unit() as unit:
        spent = await spend_challenge(unit.session, challenge_id=body.challenge_id, now=now)
        if spent is None or not citizen.proof_holds(seed=spent.seed, nonce=body.nonce,
                                                    difficulty_bits=spent.difficulty_bits):
            # An unknown, expired or spent challenge, or a wrong nonce: nothing is kept (the transaction rolls back).
            raise invalid(FieldError(field="nonce", zh="人机验证未通过或已失效,请重新获取",
                                     en="the proof of work is wrong, expired or already used; get a new challenge"))
        # The phone's limits count solved challenges only: junk cannot use up someone else's codes.
        _limit(limits.resend_per_phone, phone_index, field="phone", zh="验证码已发送,请稍后再重新获取",
               en="a code was just sent to this phone; wait before asking again")
        _limit(limits.codes_per_phone, phone_index, field="phone", zh="该手机号获取验证码过于频繁,请稍后再试",
               en="too many codes for this phone; try again later")
        case = None
        if number is not None:
            case = await store.find_case_by_number(unit.session, case_number=number)
        owner = case is not None and case.applicant_phone_index == phone_index
        code = citizen.new_code()
        verification = PhoneVerification(
            purpose=body.purpose, phone_index=phone_index, case_id=case.id if owner else None,
            expires_at=now + timedelta(seconds=settings.code_ttl_s))
        if body.purpose == "report" or owner:
            verification.code_hash = citizen.code_hash(settings.signing_secret, verification_id=verification.id,
                                                       code=code)
        district = case.district if owner else (body.district or "")
        await send_code(unit, verification, keyring=runtime.keyring, phone=phone if verification.code_hash else None,
                        code=code, district=district)
    return VerificationOut(verification_id=verification.id, expires_at=verification.expires_at,
                           resend_after_s=settings.code_resend_after_s)


async def _use_code(runtime: RuntimeDep, *, verification_id: str, code: str, purpose: str,
                    phone_index: str | None = None, case_id: str | None = None) -> None:
    """Spend the verification if `code` is its code, else refuse naming the field; committed first, so a wrong
    try counts."""
    settings = runtime.settings
    async with runtime.sessions() as session, session.begin():
        check = await use_code(session, verification_id=verification_id, code=code, purpose=purpose,
                               secret=settings.signing_secret, max_failures=settings.code_max_failures,
                               now=datetime.now(UTC), phone_index=phone_index, case_id=case_id)
    match check.outcome:
        case CodeOutcome.accepted:
            return
        case CodeOutcome.wrong:
            left = check.tries_left
            raise invalid_field("code", zh=f"验证码不正确,还可尝试{left}次", en=f"the code is wrong; {left} tries left")
        case CodeOutcome.burnt:
            raise _gone("code", zh="验证码错误次数过多,已失效,请重新获取",
                        en="too many wrong codes: this code is burnt; ask for a new one")
        case CodeOutcome.gone:
            raise _gone("verification_id", zh="验证码已失效,请重新获取",
                        en="this code has expired or was used up; ask for a new one")


def _gone(field: str, *, zh: str, en: str) -> ProblemError:
    return ProblemError(status.HTTP_410_GONE, zh=zh, en=en, errors=[FieldError(field=field, zh=zh, en=en)])


def _follow_token(runtime: RuntimeDep, case_id: str) -> str:
    return citizen.follow_token(runtime.settings.signing_secret, case_id=case_id, now=datetime.now(UTC),
                                valid_for=timedelta(days=runtime.settings.follow_token_ttl_days))


def _renamed(error: InvalidInput) -> ProblemError:
    return invalid(*(FieldError(field=_FIELDS.get(p.field, p.field), zh=p.zh, en=p.en) for p in error.problems))


@router.post("/reports", status_code=status.HTTP_201_CREATED, response_model=ReportOut, openapi_extra=PUBLIC,
             responses=_RESPONSES, dependencies=[SmallBody])
async def report(body: CitizenReport, request: Request, runtime: RuntimeDep, catalogue: CatalogueDep,
                 limits: PublicLimitsDep) -> ReportOut:
    """Register the report as a case on channel web (or terminal, from a hall's kiosk), not yet accepted (a clerk
    triages it, as a 12345 order)."""
    phone = _phone(body.phone)
    phone_index = runtime.keyring.blind_index("phone", phone)
    _limit(limits.reports_per_client, client_address(request), field="client", zh="本机提交过于频繁,请稍后再试",
           en="too many reports from this address; try again later")
    for window in (limits.reports_per_phone_minute, limits.reports_per_phone_day):
        _limit(window, phone_index, field="phone", zh="该手机号提交过于频繁,请稍后再试",
               en="too many reports from this phone; try again later")
    district = _web_district(catalogue, body.district)
    if body.channel not in district.channels:
        raise invalid_field("channel", zh=f"{district.name_zh}未开通该渠道：{body.channel}",
                            en=f"{district.name_en} does not take reports on {body.channel}")
    hall = district.halls[0] if body.hall is None else next((h for h in district.halls if h.code == body.hall), None)
    if hall is None:
        raise invalid_field("hall", zh=f"{district.name_zh}没有政务服务大厅 {body.hall!r}",
                            en=f"{district.name_en} has no hall {body.hall!r}")
    now = datetime.now(UTC)
    case_in = CaseCreate(
        hall=hall.code,
        channel=body.channel,
        problem_kind=body.problem_kind,
        description=body.description,
        forward=False,
        applicant=ApplicantIn(kind="person", name=body.name or UNNAMED, phone=phone),
    )
    try:
        valid = validate_registration(catalogue=catalogue, case_in=case_in, now=now)
    except InvalidInput as error:
        raise _renamed(error) from None
    await _use_code(
        runtime, verification_id=body.verification_id, code=body.code, purpose="report", phone_index=phone_index
    )
    origin = Origin(
        actor=ACTOR, actor_detail="citizen's web page (phone verified by SMS)", trace_context=tracing.current()
    )
    # In one transaction of its own (not the window's group commit): the case and the uploads it claims
    # stand or fall together. An upload expired meanwhile refuses the report (422 attachment_ids).
    async with runtime.unit() as unit:
        case = await register_case(
            unit, catalogue=catalogue, case_in=case_in, origin=origin, now=now, keyring=runtime.keyring
        )
        claimed = await claim_pending_attachments(unit.session, case_id=case.id, attachment_ids=body.attachment_ids)
        for row in claimed:
            await unit.emit(
                CaseAttachmentAdded(
                    case_number=case.case_number,
                    attachment_id=row.id,
                    file_name=mask_text(row.file_name),
                    content_type=row.content_type,
                    size_bytes=row.size_bytes,
                    sha256=row.sha256,
                    source="citizen",
                ),
                topic=CASE_EVENTS,
                case_id=case.id,
                district=case.district,
                hall=case.hall,
                actor=ACTOR,
            )
    kind = valid.classification.problem_kind
    return ReportOut(
        case_number=case.case_number,
        registered_at=now,
        district_name_zh=district.name_zh,
        hall_name_zh=hall.name_zh,
        problem_kind_zh=kind.name_zh if kind else body.problem_kind,
        follow_token=_follow_token(runtime, case.id),
        promised_reply_by=None,
    )


async def _view(runtime: RuntimeDep, case: store.Case) -> FollowOut:
    async with runtime.sessions() as session:
        steps = await store.transitions(session, case_id=case.id)
        pending = [m for m in await store.missing_items(session, case_id=case.id) if m.state == "pending"]
    return FollowOut(
        follow_token=_follow_token(runtime, case.id),
        case_number=case.case_number,
        state=case.state,
        state_zh=STATE_LABELS_ZH[CaseState(case.state)],
        registered_at=case.created_at,
        promised_reply_by=case.reply_due_at,
        replies=[
            FollowReply(at=s.at, text=mask_text(s.reason))
            for s in steps
            if s.action in (ActionKind.record_reply, ActionKind.resolve_on_spot) and s.reason
        ],
        missing_items=[FollowMissingItem(name=m.name, due=m.due_on) for m in pending],
        can_rate=ActionKind.record_callback in allowed_actions(case_status(case)),
    )


@router.post("/follow", response_model=FollowOut, openapi_extra=PUBLIC, responses=_RESPONSES, dependencies=[SmallBody])
async def follow(body: FollowIn, request: Request, runtime: RuntimeDep, limits: LookupLimitsDep) -> FollowOut:
    """Where my case stands: case number with the phone's last four digits (the status lookup's check and limits)
    or with an SMS code sent to the case's phone."""
    by_code = body.verification_id is not None and body.code is not None
    if (body.phone_last4 is not None) == by_code:
        raise invalid_field(
            "phone_last4",
            zh="请填写手机号后四位,或短信验证码(二选一)",
            en="give phone_last4, or verification_id with code (one of them)",
        )
    if body.phone_last4 is not None:
        case = await case_by_number_and_digits(
            runtime, limits, client=client_address(request), case_number=body.case_number, phone_last4=body.phone_last4
        )
        return await _view(runtime, case)
    number = str(parse_case_number(body.case_number))
    async with runtime.sessions() as session:
        case = await store.find_case_by_number(session, case_number=number)
    await _use_code(
        runtime,
        verification_id=body.verification_id or "",
        code=body.code or "",
        purpose="follow",
        case_id=case.id if case else "",
    )
    if case is None:  # `_use_code` refused already (no code is for an unknown case); said again for the reader
        raise not_found(zh="案件不存在", en="no such case")
    return await _view(runtime, case)


@router.post(
    "/cases/{case_number}/rating",
    response_model=RatingOut,
    openapi_extra=PUBLIC,
    responses=_RESPONSES,
    dependencies=[SmallBody],
)
async def rating(case_number: str, body: RatingIn, runtime: RuntimeDep) -> RatingOut:
    """The citizen's own callback (自助回访) on the reply: dissatisfied reopens the case (重办); 409 when the case
    is not waiting for one."""
    case_id = citizen.case_of_token(runtime.settings.signing_secret, body.follow_token, now=datetime.now(UTC))
    action = ActionIn(action=ActionKind.record_callback, satisfaction=body.satisfaction, reason=body.comment)

    async with runtime.unit() as unit:
        case = await store.get_case(unit.session, case_id=case_id)
        if case is None or case.case_number != str(parse_case_number(case_number)):
            raise invalid_field("follow_token", zh="查询凭证与案件编号不符", en="the follow token is for another case")
        await act_on_case(
            unit,
            case=case,
            action_in=action,
            actor=ACTOR,
            now=datetime.now(UTC),
            actor_detail="self-service callback (自助回访) on the citizen's web page",
        )
        answer = RatingOut(
            case_number=case.case_number, state=case.state, state_zh=STATE_LABELS_ZH[CaseState(case.state)]
        )
    return answer
