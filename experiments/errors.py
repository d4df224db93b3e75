"""Errors the CLI turns into exit codes."""

from __future__ import annotations


class BadInput(ValueError):
    """Bad command-line input (exit code 2); the message says what is allowed."""
