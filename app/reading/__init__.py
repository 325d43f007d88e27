"""Reading a message into plain values: MIME, quotes, attachments, extraction (shared by every channel)."""
