"""Cross-venue arbitrage (Polymarket <-> Kalshi), pure: the venues' fee models, the edge of a
pair after fees and book depth, the agent's parameters, the pair aggregate with its leg events,
and the rule that retries or unwinds a leg that filled alone."""
