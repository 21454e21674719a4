"""Intake's HTTP face: one route module per resource, named for its URL prefix; `deps` holds what routes depend
on, `models` the public request and response models, `errors` the refusals. Route modules never import each
other."""

from fastapi import APIRouter

from services.intake.api import (
    attachments,
    cases,
    halls,
    hotline,
    items,
    missing_items,
    open311,
    personal_data,
    printouts,
    public,
    public_attachments,
    queues,
    search,
    status_lookup,
)

# In this order in the app and its API document.
routers: list[APIRouter] = [cases.router, search.router, queues.router, missing_items.router, items.router,
                            attachments.router, personal_data.router, printouts.router, status_lookup.router,
                            public.router, public_attachments.router, hotline.router, open311.router, halls.router]
