"""Intake's HTTP face: one route module per resource, named for its URL prefix; `deps` holds what routes depend
on, `models` the public request and response models, `errors` the refusals. Route modules never import each
other."""

from fastapi import APIRouter

from services.intake.api import (
    cases,
    halls,
    hotline,
    items,
    missing_items,
    open311,
    personal_data,
    printouts,
    status_lookup,
)

# In this order in the app and its API document.
routers: list[APIRouter] = [cases.router, missing_items.router, items.router, personal_data.router, printouts.router,
                            status_lookup.router, hotline.router, open311.router, halls.router]
