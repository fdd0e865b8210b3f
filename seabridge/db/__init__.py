"""Persistence: engine, ORM tables and migrations. SQL lives in `seabridge.storage`."""
