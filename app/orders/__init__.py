"""The domain: order lifecycle, capacity and references. No Flask request in here."""
