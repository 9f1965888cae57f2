"""The log's tables live beside the code that reads them (``logstore.py``, ``witnessing.py``).

They keep the table names they had when they belonged to the declarations app
(``declarations_logtile`` …): migration 0001 moved them here without touching the data.
"""

from tuidang.transparency.logstore import Checkpoint, LogState, LogTile  # noqa: F401
from tuidang.transparency.witnessing import WitnessCosignature  # noqa: F401
