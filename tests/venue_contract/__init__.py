"""The venue contract: what every venue adapter must do, run against each venue's fake
server on loopback (see ``harnesses.py`` to add a venue)."""
