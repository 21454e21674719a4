"""Audit's storage: the tables, the log's append and verification reads, the case read model and its rollup,
the search and report queries, and the signing key's files."""
