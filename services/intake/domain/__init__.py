"""Intake's pure domain: decisions about cases with no I/O (no Kafka, database or HTTP).

Modules: `errors` (InvalidInput → 422, DomainConflict → 409, bilingual), `limits`, `clock`,
`identity`, `phone`, `text`, `applicant`, `lifecycle` (the case state machine),
`case_number`, `missing_items` (容缺受理), `one_time_notice` (一次性告知), `districts`
(intake's part of the district packs, `shared/districts`), `batch` (one case, many trackable items),
`registration` (a case's fields checked at once, its number) and `ratelimit` (the status lookup's counters).
"""
