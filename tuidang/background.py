"""What the background commands ``tuidang serve`` runs (sequencer, witness, housekeeping) share."""

import signal
import threading


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM or SIGINT sets: the command finishes the round in hand (a batch
    commits or rolls back whole), then exits, instead of dying in the middle of it."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    return stopping
