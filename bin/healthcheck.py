#!/usr/bin/env python3
"""Container health check: GET /healthz on the local server; exit 0 only on a 200.

Standard library only (the slim image has no curl). It sends a Host header that
DJANGO_ALLOWED_HOSTS accepts: Django answers 400 to a Host it does not know, such as 127.0.0.1.
/healthz is exempt from the HTTPS redirect, so plain HTTP on loopback is enough.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def allowed_host() -> str:
    raw = os.environ.get("DJANGO_ALLOWED_HOSTS", "")
    file_path = os.environ.get("DJANGO_ALLOWED_HOSTS_FILE")
    if file_path:
        try:
            raw = Path(file_path).read_text(encoding="utf-8")
        except OSError:
            raw = ""
    for host in (item.strip() for item in raw.split(",")):
        if host and host != "*":
            return host.lstrip(".")  # ".example.com" also matches "example.com"
    return "localhost"


def main() -> int:
    port = os.environ.get("PORT", "8000")
    timeout = float(os.environ.get("HEALTHCHECK_TIMEOUT", "5"))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": allowed_host()}
    )
    try:
        # A fixed http URL on loopback, not user input.
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(4096).decode("utf-8", "replace")
            status = response.status
    except urllib.error.HTTPError as exc:
        body = exc.read(4096).decode("utf-8", "replace")
        status = exc.code
    except OSError as exc:
        print(f"healthz unreachable: {exc}", file=sys.stderr)
        return 1
    print(f"healthz {status} {body}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
