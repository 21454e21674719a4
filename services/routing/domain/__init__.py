"""Routing's pure domain: no Kafka, no database, no HTTP.

- catalogue / policy / loader: the department directory, matter catalogue (事项目录) and routing policy
  of each district, routing's part of its pack (``shared/districts/packs/<district>/``).
- router: lead (主办) and assisting (协办) departments, out-of-scope referral, manual triage (人工研判).
- similarity: suggestions from similar resolved cases.
- work_order / returns / case_reply: the work-order state machine, returns (退单) and re-routing,
  and the case reply composed by the lead department.
"""
