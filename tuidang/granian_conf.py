"""granian, the HTTP server ``tuidang serve`` runs: ``python -m tuidang.granian_conf --port …``.

granian's HTTP layer (Rust, hyper) reads request headers without any Python thread, and
``tuidang.asgi`` reads each body in full before Django runs: a client that sends slowly costs a
few kilobytes, never a worker. A client gets ``HEADER_TIMEOUT_MS`` to send its headers and
``bodylimit.BODY_TIMEOUT_SECONDS`` for its body. Each worker process runs Django in one
thread, handed each request once (``tuidang.asgi.WsgiBridge``); ``tuidang serve`` chooses the
number of processes (bench/RESULTS.md).

Privacy rule 1 applies to the server too: no access log, and every line granian writes passes
through ``ScrubAddresses`` (granian names no client today; the filter keeps it so). Its log goes
to stderr and to ``<data dir>/logs/granian.log``.
"""

import argparse
import logging
import logging.handlers
import re

# A client has this long to send a request's headers (a slow-headers client is cut off then).
HEADER_TIMEOUT_MS = 10_000
# On SIGTERM, requests in flight get this long to finish before their worker is killed.
GRACEFUL_TIMEOUT_SECONDS = 20

# An IPv4 or IPv6 address, with or without a port: blanked from any line granian logs.
_ADDRESS = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b|\[?\b(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}\b\]?(?::\d+)?"
)


class ScrubAddresses(logging.Filter):
    """Blanks IP addresses in a record's message before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = _ADDRESS.sub("-", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def log_file_handler() -> logging.Handler:
    from tuidang.conf import data_dir

    logs = data_dir() / "logs"
    logs.mkdir(exist_ok=True)
    return logging.handlers.WatchedFileHandler(logs / "granian.log")


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "tuidang.granian_conf.ScrubAddresses"}},
    "formatters": {
        "generic": {
            "()": "logging.Formatter",
            "fmt": "%(asctime)s [%(levelname)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "generic",
            "filters": ["scrub"],
        },
        "file": {
            "()": "tuidang.granian_conf.log_file_handler",
            "formatter": "generic",
            "filters": ["scrub"],
        },
        "null": {"class": "logging.NullHandler"},
    },
    "loggers": {
        "_granian": {"handlers": ["console", "file"], "level": "INFO", "propagate": False},
        # Never written (the access log is off); a null handler in case it is ever switched on.
        "granian.access": {"handlers": ["null"], "level": "CRITICAL", "propagate": False},
    },
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)

    # Take the client-key root out of this (the master's) environment before any worker is
    # forked: the workers inherit the ratchet in memory, and no process shows the root in
    # /proc/<pid>/environ (tuidang.privacy; the privacy canary checks every server process).
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    import tuidang.privacy  # noqa: F401

    Server(
        "tuidang.asgi:application",
        address=args.host,
        port=args.port,
        # Django's ASGI handler has no lifespan protocol.
        interface=Interfaces.ASGINL,
        workers=args.workers,
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS, keep_alive=True),
        log_access=False,
        log_dictconfig=LOGGING,
        respawn_failed_workers=True,
        respawn_interval=1.0,
        workers_kill_timeout=GRACEFUL_TIMEOUT_SECONDS,
    ).serve()


if __name__ == "__main__":
    main()
