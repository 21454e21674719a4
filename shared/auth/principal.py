"""Who is acting: a person or a system, named by a verified token's claims."""

from dataclasses import dataclass
from typing import Any, Literal

import orjson

PERSON_ROLES = frozenset({"window_clerk", "dept_handler", "dept_head", "supervisor", "district_admin", "auditor",
                          "system_admin", "security_admin", "audit_admin"})
SYSTEM_ROLES = frozenset({"hotline12345", "dept_system"})


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    name: str
    kind: Literal["person", "system"]
    roles: frozenset[str]
    district: str | None = None
    hall: str | None = None
    department: str | None = None
    client_id: str | None = None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "Principal":
        """Roles a token may not hold are dropped; a token holding only system roles is a system."""
        raw = claims.get("roles") or []
        roles = frozenset(r for r in raw if isinstance(r, str) and r in PERSON_ROLES | SYSTEM_ROLES)
        kind: Literal["person", "system"] = "system" if roles and roles <= SYSTEM_ROLES else "person"
        return cls(
            subject=str(claims["sub"]),
            name=str(claims.get("name") or claims["sub"]),
            kind=kind,
            roles=roles,
            district=_text(claims.get("district")),
            hall=_text(claims.get("hall")),
            department=_text(claims.get("department")),
            client_id=_text(claims.get("client_id") or claims.get("azp")),
        )

    @property
    def actor(self) -> str:
        """The envelope's `actor`: `person:<sub>` or `system:<sub>`."""
        return f"{self.kind}:{self.subject}"

    @property
    def actor_detail(self) -> str:
        """The envelope's `actor_detail`: display name, roles and org unit, as compact JSON."""
        unit = {k: v for k, v in (("district", self.district), ("hall", self.hall),
                                  ("department", self.department)) if v}
        return orjson.dumps({"name": self.name, "roles": sorted(self.roles), **unit}).decode()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
