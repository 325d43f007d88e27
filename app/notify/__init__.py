"""Outbound email and SMS to workshops, all through one outbox table."""
