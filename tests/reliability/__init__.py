"""Reliability and security tests for issue 7: hostile input, load, faults and personal data in the log."""
