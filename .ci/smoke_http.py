"""CI smoke test of the production server (bin/serve) as the container runs it.

Usage: python .ci/smoke_http.py PORT HOST. Checks what the reverse proxy and the browser rely
on: the HTTPS redirect, security headers, hashed and compressed static files, no 5xx.
"""

from __future__ import annotations

import http.client
import json
import sys
from pathlib import Path


def get(port: int, host: str, path: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": host, **headers})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def main() -> int:
    port, host = int(sys.argv[1]), sys.argv[2]
    behind_tls = {"X-Forwarded-Proto": "https"}
    failures: list[str] = []

    def check(condition: bool, message: str) -> None:
        print(("ok    " if condition else "FAIL  ") + message)
        if not condition:
            failures.append(message)

    plain = get(port, host, "/")
    check(
        plain.status == 301 and plain.getheader("Location", "").startswith("https://"),
        f"plain HTTP redirects to HTTPS ({plain.status} {plain.getheader('Location')})",
    )

    home = get(port, host, "/", **behind_tls)
    check(home.status < 500, f"/ behind TLS answers without a server error ({home.status})")
    check("max-age=" in home.getheader("Strict-Transport-Security", ""), "HSTS header")
    check(home.getheader("X-Content-Type-Options") == "nosniff", "nosniff header")
    csp = home.getheader("Content-Security-Policy", "")
    check("frame-ancestors 'none'" in csp, f"CSP with frame-ancestors 'none' ({csp!r})")

    unknown_host = get(port, "attacker.example", "/", **behind_tls)
    check(unknown_host.status == 400, f"unknown Host refused ({unknown_host.status})")

    manifest = json.loads(Path("staticfiles/staticfiles.json").read_text(encoding="utf-8"))
    css = sorted(hashed for name, hashed in manifest["paths"].items() if name.endswith(".css"))
    if css:
        static = get(port, host, f"/static/{css[0]}", **behind_tls, **{"Accept-Encoding": "gzip"})
        check(static.status == 200, f"hashed static file served ({css[0]}: {static.status})")
        check(
            "immutable" in static.getheader("Cache-Control", ""),
            f"hashed static file cached forever ({static.getheader('Cache-Control')})",
        )
        check(static.getheader("Content-Encoding") == "gzip", "static file served compressed")
    else:
        print("skip  no CSS file in the manifest yet")

    print(f"{len(failures)} failed" if failures else "smoke test passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
