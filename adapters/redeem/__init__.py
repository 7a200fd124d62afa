"""``tape redeem``: resolved winning Polymarket positions redeemed through the CTF contract:
what is redeemable (``candidates.py``), the transaction (``ctf.py``, web3) and the steps, each
an engine command and event (``redeemer.py``)."""
