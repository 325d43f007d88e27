"""Twilio webhooks and the call flow."""
