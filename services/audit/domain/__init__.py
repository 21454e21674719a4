"""Pure decisions of the audit service: no Kafka, no database, no HTTP.

- `entries`: the hash-chained log entry, its canonical form and the append step.
- `verification`: streaming verification of a stored log, with or without signed checkpoints.
- `signing` / `checkpoints`: Ed25519 keys and signed checkpoints of a partition's head.
- `case_bundle`: the signed export of one case's full trail and its verifier.
- `fulltext`: Chinese-aware tokens for SQLite FTS5 and PostgreSQL full-text search.
- `case_facts` / `statistics` / `assessment`: counts, the 12345 rates and card deductions.
- `frequency`: high-frequency and rising problems.
- `filters`: the validated search filter.
- `policy`: the YAML-configured numbers (checkpoint interval, card points, analysis thresholds).
"""
