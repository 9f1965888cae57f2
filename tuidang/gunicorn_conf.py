"""gunicorn's configuration as ``tuidang serve`` ran it until it moved to granian (a slow client
holds a gthread worker's thread; see ``tuidang/granian_conf.py``). ``bench/servers.py`` still
runs it, passing ``--bind`` and ``--workers``, to measure the two side by side.

Privacy rule 1 applies to the server too: there is no access log, and the error log is run
through ``PrivateLogger``, which drops client addresses from the few messages gunicorn writes
about a client (a malformed request is logged as ``Invalid request from ip=…``). Errors go to
stderr and to ``<data dir>/logs/gunicorn.log``.
"""

import logging
import logging.handlers

from gunicorn import glogging

from tuidang.conf import data_dir, env_int

# The one place gunicorn names a client is "Invalid request from ip=203.0.113.9: <error>";
# the same filter as granian's blanks any address in any line.
from tuidang.granian_conf import ScrubAddresses

# gthread workers keep connections alive (sync workers close each one). The intake path is
# CPU-bound Python with short SQLite write locks, so more threads per worker only add lock
# waits: one thread each was fastest (bench/RESULTS.md). Behind a buffering reverse proxy a slow
# client never holds a worker; without one, raise TUIDANG_THREADS to absorb slow uploads.
worker_class = "gthread"
threads = env_int("TUIDANG_THREADS", 1)
# A request never legitimately takes 30 s; a worker stuck that long is killed and replaced.
timeout = 30
# On SIGTERM, requests in flight get this long to finish.
graceful_timeout = 20
keepalive = 5
# Load Django once in the master: workers fork with it imported (faster start, shared memory).
# Nothing opens a database connection at import time, so no connection crosses a fork.
preload_app = True
# The heartbeat file on tmpfs: a worker never blocks on a slow disk to say it is alive.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn's documented choice, a tmpfs on Linux
proc_name = "tuidang"
# gunicorn's control socket lives at one fixed path per user: two instances on one machine
# would fight over it, and serve does not need it.
control_socket_disable = True
accesslog = None
errorlog = "-"
loglevel = "info"
logger_class = "tuidang.gunicorn_conf.PrivateLogger"


class PrivateLogger(glogging.Logger):
    """gunicorn's logger with the access log switched off and addresses scrubbed from errors."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        logs = data_dir() / "logs"
        logs.mkdir(exist_ok=True)
        log_file = logging.handlers.WatchedFileHandler(logs / "gunicorn.log")
        log_file.setFormatter(logging.Formatter(self.error_fmt, self.datefmt))
        log_file._gunicorn = True  # type: ignore[attr-defined]  # so a reload replaces it
        self.error_log.addHandler(log_file)
        for handler in self.error_log.handlers:
            if not any(isinstance(f, ScrubAddresses) for f in handler.filters):
                handler.addFilter(ScrubAddresses())

    @property
    def access_log_enabled(self) -> bool:
        return False

    def access(self, resp, req, environ, request_time) -> None:
        """No access log: it would hold every client's address and user agent."""
