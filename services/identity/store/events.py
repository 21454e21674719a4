"""Identity's events, staged in the caller's transaction (the outbox) on `bancheng.identity.events`."""

from shared.auth.principal import Principal
from shared.consuming import Unit
from shared.events.base import Event
from shared.events.identity import SystemTokenIssued
from shared.topics import IDENTITY_EVENTS
from services.identity.domain.logins import system
from services.identity.store.tables import Client


async def emit(unit: Unit, event: Event, *, subject: str, district: str, actor: Principal | None = None) -> None:
    """Keyed by `subject`; the actor is the person (or system) concerned, else the service itself (an
    attempt at an unknown username)."""
    await unit.emit(event, topic=IDENTITY_EVENTS, case_id=subject, district=district,
                    actor=actor.actor if actor else None, actor_detail=actor.actor_detail if actor else None)


async def system_token_issued(unit: Unit, client: Client, *, claims: dict, expires_in: int) -> None:
    await emit(unit, SystemTokenIssued(client_id=client.client_id, roles=claims.get("roles", []),
                                       department=client.department, token_id=claims.get("jti", ""),
                                       expires_in=expires_in),
               subject=f"client:{client.client_id}", district=client.district, actor=system(client))
