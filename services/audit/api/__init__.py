"""Audit's HTTP routes, one module per URL prefix; `routers` in the order the OpenAPI document lists them."""

from services.audit.api import analysis, assessment, cases, districts, library, statistics

routers = [cases.router, library.router, statistics.router, assessment.router, analysis.router, districts.router]
