"""Nagasaki City plan assistant: corpus → index → retrieval → answer → web."""

__version__ = "0.1.0"
