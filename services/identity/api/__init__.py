"""Identity's HTTP face: the OpenID Connect provider's endpoints, at the URLs discovery names."""

from fastapi import APIRouter

from services.identity.api import authorize, discovery, logout, revoke, token, userinfo

router = APIRouter()
for module in (discovery, authorize, token, revoke, userinfo, logout):
    router.include_router(module.router)
