"""Tests of the offline embedding-model provisioning (assistant.embedding)."""
