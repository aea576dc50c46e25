"""The README's examples run as written (issue 14: its `curl` once answered 400)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
DEMO_BASE = "http://127.0.0.1:8000"


def shell_examples() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return [block for block in blocks if block.lstrip().startswith("curl ")]


def test_the_readme_has_a_curl_example():
    assert shell_examples()


@pytest.mark.parametrize("example", shell_examples())
def test_each_curl_example_works_against_the_sandbox(example, sandbox_server, sandbox):
    assert DEMO_BASE in example  # the address `manage.py demo` serves on
    command = example.replace(DEMO_BASE, sandbox_server.url)
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert "errors" not in answer, answer
    assert answer.get("leadId"), answer
