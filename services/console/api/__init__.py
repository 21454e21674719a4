"""The console's HTTP face: the sign-in, who is signed in, live changes, the services' APIs forwarded, intake's
public API forwarded for the citizens' pages, and the Vue app."""

from fastapi import APIRouter

from services.console.api import auth, forward, live, me, public, web

router = APIRouter()
for module in (auth, me, live, forward, public, web):  # the page fallback last: it answers every other GET
    router.include_router(module.router)
