"""Markets that end while trading live: where a resolution is read (``gamma.py`` for
Polymarket, ``kalshi.py``), and the poller that records it and settles the positions held in
it (``poller.py``), as a day file's ``resolution`` record does."""
