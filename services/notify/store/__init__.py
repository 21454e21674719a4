"""Notify's storage: the tables, the planner's case book and planned requests, the channel workers' queueing,
the dispatcher's group commit, and how personal data is sealed at rest."""
