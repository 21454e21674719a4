"""Notify's HTTP routes, one module per URL prefix; `routers` in the order the OpenAPI document lists them."""

from services.notify.api import cases, templates

routers = [cases.router, templates.router]
