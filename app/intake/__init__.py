"""Inbound channels turned into plain values: MIME and SMS reading, quote stripping, order extraction."""
