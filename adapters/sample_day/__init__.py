"""Seeded sample trading days (``tape.day/1``) for the demo, tests and benchmarks.

A day is a pure function of its seed: dozens of Polymarket binary markets whose books follow a
mean-reverting walk (the Yes and No books mirror each other), followed and unfollowed traders
who buy and later sell in proportion, and copy intents addressed to the agents of
:data:`~adapters.sample_day.agents.DEMO_CONFIG_TOML`. A fixed script, woven in at evenly spread
points, makes the engine deny intents for every firewall and limit reason, redeliver duplicates
and skip malformed lines; the rest is ordinary trading, mostly accepted. Lines stream out one at
a time: only each market's state and each trader's holdings are kept, so a million intents are
cheap.

- :mod:`~adapters.sample_day.ids`: the markets' and tokens' ids, the same for every seed;
- :mod:`~adapters.sample_day.agents`: the traders and the agents that follow them (the demo's
  ``tape.toml``);
- :mod:`~adapters.sample_day.script`: the scripted steps that make every denial show;
- :mod:`~adapters.sample_day.markets`: the markets and their books as they move;
- :mod:`~adapters.sample_day.trading`: the traders' trades, ordinary and scripted, as intents;
- :mod:`~adapters.sample_day.day`: the whole day, as lines or written to a file;
- :mod:`~adapters.sample_day.strategy_day`: the sample *strategy* day (``tape demo
  --strategies``): a Polymarket market and its Kalshi twin, with spikes, a trend and
  arbitrages, and the strategy agents' ``tape.toml``.
"""
