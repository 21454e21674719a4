"""Commands on the bus carry their sender's access token: a department's system puts its client-credentials
token in the record's `authorization` header (`Bearer <token>`), verified here as an HTTP request's would be.
A command without a valid token, or from another department than the work order's, is refused: the
consumer dead-letters it with the reason and nothing changes (docs/routing.md, docs/access.md)."""

from functools import cache

from shared.auth import policy
from shared.auth.principal import Principal
from shared.auth.settings import get_auth_settings
from shared.auth.tokens import InvalidToken, TokenVerifier

AUTHORIZATION_HEADER = "authorization"


class CommandRefused(Exception):
    """The command's sender is not who may give it; the message is the dead letter's reason."""


@cache
def command_verifier() -> TokenVerifier:
    """One verifier per process for the commands it consumes, its keys cached as the HTTP side's are."""
    return TokenVerifier(get_auth_settings())


async def command_sender(headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> Principal:
    """The verified principal of a record's `authorization` header; CommandRefused without a valid one."""
    raw = next((value for name, value in headers if name.lower() == AUTHORIZATION_HEADER), None)
    if raw is None:
        raise CommandRefused(f"no {AUTHORIZATION_HEADER} header: a command carries its sender's access token")
    scheme, _, token = raw.decode("utf-8", "replace").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CommandRefused(f"the {AUTHORIZATION_HEADER} header is not 'Bearer <token>'")
    try:
        return await command_verifier().verify(token.strip())
    except InvalidToken as error:
        raise CommandRefused(f"invalid token: {error}") from None


def require_command(principal: Principal, permission: str, scope: policy.Scope) -> None:
    """CommandRefused unless the sender may do `permission` on a resource of `scope`."""
    if not policy.allows(principal, permission, scope):
        raise CommandRefused(f"{principal.actor} (department {principal.department}, district {principal.district}) "
                             f"may not {permission} for department {scope.department} in district {scope.district}")
