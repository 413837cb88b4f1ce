"""`atlas_graph.asgi:app` for ASGI servers run by hand (uvicorn, gunicorn): the app for the environment's settings.

`atlas-graph serve` is the usual way to run the service; it also starts the local Neo4j. This module only builds
the app, and only when an ASGI server imports it.
"""

import gc
import logging.config

from atlas_graph.config import Settings
from atlas_graph.logs import json_log_config
from atlas_graph.main import create_app

settings = Settings()
if settings.log_format == "json":
    # The ASGI server set up its logging before importing this module; this replaces it.
    logging.config.dictConfig(json_log_config())
app = create_app(settings)

# A 10,000-item bundle keeps about a million objects alive while it is parsed, planned and written, and with the
# default thresholds the collector walks them again and again: 0.1-0.3 s of a 2 s bundle (scripts/bench_ingest.py).
# Start-up's objects are frozen out of every walk, and young collections run a hundred times less often; request
# garbage is mostly acyclic and freed by reference counting anyway.
gc.freeze()
gc.set_threshold(70_000, 10, 10)
