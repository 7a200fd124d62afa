"""Polygon as a signal source: the exchanges' trade logs of followed wallets, as intents.

- :mod:`.abi`: the OrderFilled and OrdersMatched events (V1 and V2) and the addresses watched;
- :mod:`.logs`: a raw log -> a :class:`~.logs.ChainFill` (web3 decodes it against the ABI);
- :mod:`.fold`: a wallet's own fills per transaction -> the Data API monitor's ``Trade``;
- :mod:`.tokens`: a token -> its market and outcome (Gamma, remembered);
- :mod:`.reader`: web3 over JSON-RPC (head, blocks, logs, proxy wallets);
- :mod:`.source`: the poll loop: confirmations, reorg check, resume by block number.

Intents go through :class:`adapters.polymarket_data.emitter.Emitter`, shared with the Data API
monitor: the same ids, so the two sources deduplicate each other.
"""
