"""In-process fake venues shared by the tests (the venue boundary is the only place fakes
are allowed); fake venue *servers* live in ``tests.fake_clob`` and ``adapters.paper``."""
