"""`atlas_graph.asgi:app` for ASGI servers run by hand (uvicorn, gunicorn): the app for the environment's settings.

`atlas-graph serve` is the usual way to run the service; it also starts the local Neo4j. Both serve the app that
`main.serving_app` builds. This module only builds it, and only when an ASGI server imports it.
"""

import logging.config

from atlas_graph.config import Settings
from atlas_graph.logs import json_log_config
from atlas_graph.main import serving_app

settings = Settings()
if settings.log_format == "json":
    # The ASGI server set up its logging before importing this module; this replaces it.
    logging.config.dictConfig(json_log_config())
app = serving_app(settings)
