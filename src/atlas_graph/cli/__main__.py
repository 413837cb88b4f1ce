"""`python -m atlas_graph.cli`: the `atlas-graph` command."""

import sys

from atlas_graph.cli.commands import main

sys.exit(main())
