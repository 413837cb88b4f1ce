"""`atlas_graph.asgi:app` for ASGI servers run by hand (uvicorn, gunicorn): the app for the environment's settings.

`atlas-graph serve` is the usual way to run the service; it also starts the local Neo4j. Both serve the app that
`main.serving_app` builds. This module only builds it, and only when an ASGI server imports it.
"""

from atlas_graph.config import Settings
from atlas_graph.main import serving_app

app = serving_app(Settings())
