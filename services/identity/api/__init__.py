"""Identity's HTTP face: the OpenID Connect provider's endpoints, at the URLs discovery names, and the district
administrators' `/accounts`."""

from fastapi import APIRouter

from services.identity.api import accounts, authorize, discovery, logout, org_units, revoke, token, userinfo

# In this order in the app and its API document; each is its own router, so its permissions are declared.
routers: list[APIRouter] = [module.router for module in (discovery, authorize, token, revoke, userinfo, logout,
                                                         accounts, org_units)]
