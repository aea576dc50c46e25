"""Reading secrets for management commands: from the environment or standard input, never argv."""

from __future__ import annotations

import getpass
import os
from typing import TextIO


def read_secret(*, env_var: str, stdin: TextIO, prompt: str, ask_if_tty: bool = True) -> str:
    """The value of env_var, else the first line of stdin (a hidden prompt on a terminal).

    Returns "" when neither gives a value.
    """
    value = os.environ.get(env_var, "").strip()
    if value:
        return value
    try:
        interactive = stdin.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if interactive:
        if not ask_if_tty:
            return ""
        return getpass.getpass(prompt).strip()
    line = stdin.readline()
    return line.strip()
