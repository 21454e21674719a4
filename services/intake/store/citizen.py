"""What the citizen's own pages keep: proof-of-work challenges (spent once) and phone verifications (the code's
keyed hash, the phone's blind index, wrong tries). Sending a code stages its sealed request for notify on
`bancheng.case.contacts` in the same transaction (the outbox), so a code is texted only if it was stored."""

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consuming import Unit
from shared.events.case import VerificationCodeRequested, seal_code
from shared.personal_data import Keyring
from shared.topics import CASE_CONTACTS
from services.intake.domain import citizen
from services.intake.domain.citizen import CodeCheck, CodeOutcome
from services.intake.store.tables import PhoneVerification, PublicChallenge


async def add_challenge(session: AsyncSession, challenge: PublicChallenge) -> None:
    session.add(challenge)


async def spend_challenge(session: AsyncSession, *, challenge_id: str, now: datetime) -> PublicChallenge | None:
    """The challenge, marked spent, if it was unspent and unexpired; None otherwise. One statement, so two
    requests racing with the same solution cannot both spend it."""
    result = await session.exec(
        update(PublicChallenge)
        .where(col(PublicChallenge.id) == challenge_id, col(PublicChallenge.spent_at).is_(None),
               col(PublicChallenge.expires_at) > now)
        .values(spent_at=now).returning(col(PublicChallenge.seed), col(PublicChallenge.difficulty_bits)))
    row = result.first()
    if row is None:
        return None
    return PublicChallenge(id=challenge_id, seed=row.seed, difficulty_bits=row.difficulty_bits, expires_at=now,
                           spent_at=now)


async def send_code(unit: Unit, verification: PhoneVerification, *, keyring: Keyring, phone: str | None,
                    code: str, district: str) -> None:
    """Store the verification and, when `phone` is given, stage the sealed code for notify."""
    unit.session.add(verification)
    if phone is None:
        return
    event = VerificationCodeRequested(
        purpose=verification.purpose, expires_at=verification.expires_at,
        sealed_code=seal_code(keyring, verification_id=verification.id, phone=phone, code=code))
    await unit.emit(event, topic=CASE_CONTACTS, case_id=verification.id, district=district,
                    actor="citizen:web")


async def use_code(session: AsyncSession, *, verification_id: str, code: str, purpose: str, secret: str,
                   max_failures: int, now: datetime, phone_index: str | None = None,
                   case_id: str | None = None) -> CodeCheck:
    """Try `code` on the verification (for this purpose, and this phone or case): spent when right, a wrong try
    counted (the last allowed one burns it). The caller commits whatever the outcome, so a refusal still counts."""
    found = await session.get(PhoneVerification, verification_id)
    if (found is None or found.purpose != purpose or found.used_at or found.burnt_at or found.expires_at <= now
            or (phone_index is not None and found.phone_index != phone_index)
            or (case_id is not None and found.case_id not in (None, case_id))):
        return CodeCheck(CodeOutcome.gone)
    # A follow code sent to no one (another phone than the case's) has no hash: it never matches.
    matches = found.case_id == case_id and citizen.code_matches(secret, verification_id=found.id, code=code,
                                                                 stored=found.code_hash)
    check = citizen.check_code(matches=matches, failures=found.failures, max_failures=max_failures)
    if check.outcome is CodeOutcome.accepted:
        found.used_at = now
    else:
        found.failures += 1
    if check.outcome is CodeOutcome.burnt:
        found.burnt_at = now
    return check


async def prune_citizen_proofs(session: AsyncSession, *, before: datetime) -> None:
    """Forget challenges and verifications expired before `before`."""
    for model in (PublicChallenge, PhoneVerification):
        await session.exec(delete(model).where(col(model.expires_at) < before))
