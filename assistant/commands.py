"""Sub-commands of the later pipeline stages (index, search, eval, ask, serve), kept out of cli.py.

Each handler imports its stage only when it runs, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

AddPaths = Callable[..., None]


def register(sub: argparse._SubParsersAction, add_paths: AddPaths) -> None:
    """Add the stage commands to the top-level parser."""
