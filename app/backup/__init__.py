"""Backups of the database, the only record of the outage's orders until the hand-back.

`flask backup` (and the intake worker, every BACKUP_MINUTES) writes a verified, checksummed copy to
BACKUP_DIR and keeps the newest BACKUP_KEEP; `flask restore FILE` puts one back into a fresh instance.
service: taking one and the schedule; files: the folder; sqlite, postgres: per database;
restore: putting one back; status: what the dashboard shows.
"""
