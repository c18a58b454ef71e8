"""Exit 0 when the PostgreSQL or Redis server named by the URL answers, 1 otherwise."""

import sys
from urllib.parse import urlparse


def main(url: str) -> int:
    scheme = urlparse(url).scheme
    try:
        if scheme.startswith("postgres"):
            import psycopg

            parts = urlparse(url)
            with psycopg.connect(
                host=parts.hostname,
                port=parts.port or 5432,
                user=parts.username,
                dbname="postgres",
                connect_timeout=3,
            ):
                return 0
        if scheme.startswith("redis"):
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
            return 0
    except Exception as exc:
        print(f"{url}: {type(exc).__name__}", file=sys.stderr)
        return 1
    print(f"unknown service URL {url}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
