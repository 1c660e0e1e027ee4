"""Tests for the question log: PII masking, SQLite store, grouping and the admin report route."""
