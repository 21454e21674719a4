"""FastAPI's side of access: the bearer token → the principal, and each route's declared permission.

A route declares what it needs with one typed dependency, `Annotated[Principal, Authorize("case.read")]`; the
permission is checked against the roles here and, once the route knows the resource's org unit, against the
scope with `require(...)`. Routes open to anyone say so with `openapi_extra=PUBLIC` (or `SIGNED_WEBHOOK` when
an HMAC signature stands in for a token, `API_KEY` when a client's key does); lists kept within the caller's
bounds declare `NARROWED`. `declare_permissions` writes each route's declaration into the OpenAPI document as
`x-permission`, where tests/unit/test_route_permissions.py checks that no route is left undeclared.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth import policy
from shared.auth.keys import KeysUnavailable
from shared.auth.principal import Principal
from shared.auth.settings import get_auth_settings
from shared.auth.tokens import InvalidToken, TokenVerifier

PUBLIC = {"x-permission": "public"}
SIGNED_WEBHOOK = {"x-permission": "signed-webhook"}
# A client's api key in the request stands in for a token (Open311's POST: the standard's clients carry no token).
API_KEY = {"x-permission": "api-key"}
# A list or search that answers with what the caller may see (its own district, hall, department) rather
# than refusing: a principal of another unit gets an empty or narrowed answer, not 403.
NARROWED = {"x-scope": "narrowed"}
_bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                     description="An access token (RS256 JWT) of the issuer named by BANCHENG_AUTH_ISSUER")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="bancheng"'}


def verifier_of(app: FastAPI) -> TokenVerifier:
    """The process's verifier (made on first use): its cached keys serve every request."""
    verifier = getattr(app.state, "token_verifier", None)
    if verifier is None:
        verifier = app.state.token_verifier = TokenVerifier(get_auth_settings())
    return verifier


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The verified principal of the request's bearer token; 401 without a valid one."""
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            {"zh": "请先登录:缺少访问令牌", "en": "a bearer token is required"},
            headers=_CHALLENGE,
        )
    try:
        return await verifier_of(request.app).verify(credentials.credentials)
    except InvalidToken as error:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            {"zh": "访问令牌无效或已过期", "en": f"invalid token: {error}"},
            headers={"WWW-Authenticate": 'Bearer realm="bancheng", error="invalid_token"'},
        ) from None
    except KeysUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            {"zh": "暂时无法验证访问令牌,请稍后再试", "en": str(error)}) from None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


class Permission:
    """A route's permission as a dependency: the principal, if one of its roles holds `permission`; else 403."""

    def __init__(self, permission: str) -> None:
        if permission not in policy.PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}: add it to shared/auth/policy.py")
        self.permission = permission

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if not policy.permits(principal, self.permission):
            raise forbidden(self.permission)
        return principal

    def __repr__(self) -> str:
        return f"Permission({self.permission!r})"


def Authorize(permission: str) -> Any:  # noqa: N802 - read as a declaration: Annotated[Principal, Authorize("…")]
    """The dependency declaring a route's permission; the route receives the authorized Principal."""
    return Depends(Permission(permission))


def forbidden(permission: str, why_en: str = "", why_zh: str = "") -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, {
        "zh": why_zh or f"无权执行此操作({permission})", "en": why_en or f"not permitted: {permission}"})


def require(principal: Principal, permission: str, scope: policy.Scope) -> None:
    """403 unless the principal may do `permission` on a resource of `scope`."""
    if not policy.allows(principal, permission, scope):
        raise forbidden(permission, f"{permission} is not permitted outside your own "
                                    f"{'/'.join(_units(principal)) or 'org unit'}",
                        f"无权对本单位以外的事项执行此操作({permission})")


def bounded(principal: Principal, permission: str, **asked: str | None) -> dict[str, str | None]:
    """The filters a list or search runs with: what was `asked` (each filter the route supports, e.g.
    district=None, hall="FT"), narrowed to the principal's bounds. 403 when it asked for another unit's,
    or when its bounds need a filter the route does not have."""
    limits = policy.bounds(principal, permission)
    kept = dict(asked)
    for name in ("district", "hall", "department"):
        limit = getattr(limits, name)
        if limit is None:
            continue
        if name not in asked or asked[name] not in (None, limit):
            raise forbidden(permission, f"{name} {asked.get(name)!r} is outside your own {name} {limit!r}",
                            f"无权查询其他单位的数据({name})")
        kept[name] = limit
    return kept


def _units(principal: Principal) -> list[str]:
    return [unit for unit in (principal.district, principal.hall, principal.department) if unit]


def declare_permissions(router: APIRouter) -> None:
    """Write each route's permission (its `Authorize` dependency) into its OpenAPI operation as `x-permission`;
    called on a router before it is included."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            found = [d.call.permission for d in _walk(route.dependant) if isinstance(d.call, Permission)]
            if found:
                route.openapi_extra = {**(route.openapi_extra or {}), "x-permission": found[0]}


def _walk(dependant: Dependant) -> list[Dependant]:
    return [dependant, *(d for child in dependant.dependencies for d in _walk(child))]
