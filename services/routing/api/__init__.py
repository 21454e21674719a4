"""Routing's HTTP face: department inboxes and actions on work orders, the triage and supervisor queues, the
catalogue."""

from fastapi import APIRouter

from services.routing.api import catalogue, packs, triage, work_orders


def routers() -> list[APIRouter]:
    return [work_orders.router, triage.router, catalogue.router, packs.router]
