"""Handing work back: overflow to the backup supplier, export to the ERP, imports, the outage report."""
