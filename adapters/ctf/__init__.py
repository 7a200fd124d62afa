"""What the CTF-exchange venues share (Polymarket, Limitless): both trade Gnosis Conditional
Tokens through a fork of Polymarket's CTF Exchange.

- :mod:`.amounts`: prices and sizes to the integer micro-units of a signed order (Decimal only).
- :mod:`.eip712`: the exchange's ``Order`` structs (v1, v2), their typed data, signing with
  eth-account (the key a :class:`engine.secrets.Secret`) and signer recovery.
- :mod:`.chain`: web3 reads of a wallet's collateral, allowances and ERC-1155 approvals.
"""
