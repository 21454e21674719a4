"""Notify's pure decisions: who hears what, on which channel, when, and how to deliver it.

Nothing here touches Kafka, a database or the network; handlers call these functions and store
or publish what they return.
"""
