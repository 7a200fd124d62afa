"""L1 (EIP-712 ClobAuth) and L2 (HMAC-SHA256) authentication, as production answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import to_checksum_address

from adapters.ctf.eip712 import DOMAIN_FIELDS as DOMAIN_TYPES
from tests.fake_clob.signing import ClobSigning
from tests.fake_clob.state import (
    CLOB_AUTH_MESSAGE,
    HttpError,
)


class ClobAuth(ClobSigning):
    """API keys: created or derived with L1, checked on every trading call with L2."""

    def _credentials_for(self, address: str) -> tuple[str, str, str]:
        seed = hashlib.sha256(f"fake-clob/{address.lower()}".encode()).digest()
        api_key = str(uuid.UUID(bytes=seed[:16]))
        secret = base64.urlsafe_b64encode(hashlib.sha256(seed + b"secret").digest()).decode()
        passphrase = hashlib.sha256(seed + b"pass").hexdigest()[:32]
        return api_key, secret, passphrase

    def verify_l1(self, headers: Any) -> str:
        """Recover the ClobAuth signature; the checksummed address, or 401."""
        address = headers.get("POLY_ADDRESS", "")
        signature = headers.get("POLY_SIGNATURE", "")
        timestamp = headers.get("POLY_TIMESTAMP", "")
        nonce = headers.get("POLY_NONCE", "0")
        typed = {
            "types": {
                "EIP712Domain": DOMAIN_TYPES[:3],
                "ClobAuth": [
                    {"name": "address", "type": "address"},
                    {"name": "timestamp", "type": "string"},
                    {"name": "nonce", "type": "uint256"},
                    {"name": "message", "type": "string"},
                ],
            },
            "primaryType": "ClobAuth",
            "domain": {"name": "ClobAuthDomain", "version": "1", "chainId": self.chain_id},
            "message": {
                "address": address,
                "timestamp": timestamp,
                "nonce": int(nonce or 0),
                "message": CLOB_AUTH_MESSAGE,
            },
        }
        try:
            recovered = Account.recover_message(
                encode_typed_data(full_message=typed), signature=signature
            )
        except Exception as error:
            self.auth_failures.append(f"L1: {error}")
            raise HttpError(401, {"error": "Unauthorized/Invalid L1 signature"}) from None
        if recovered.lower() != address.lower():
            self.auth_failures.append("L1: signer mismatch")
            raise HttpError(401, {"error": "Unauthorized/Invalid L1 signature"})
        return to_checksum_address(address)

    def verify_l2(self, method: str, path: str, headers: Any, raw_body: bytes) -> str:
        """Check API key, passphrase, address and HMAC; the API key, or 401."""
        api_key = headers.get("POLY_API_KEY", "")
        known = self.creds.get(api_key)
        if known is None:
            self.auth_failures.append("L2: unknown api key")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        address, secret, passphrase = known
        if headers.get("POLY_PASSPHRASE", "") != passphrase:
            self.auth_failures.append("L2: passphrase")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        if headers.get("POLY_ADDRESS", "").lower() != address.lower():
            self.auth_failures.append("L2: address")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        timestamp = headers.get("POLY_TIMESTAMP", "")
        message = timestamp + method + path + raw_body.decode("utf-8")
        expected = base64.urlsafe_b64encode(
            hmac.new(base64.urlsafe_b64decode(secret), message.encode(), hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(expected, headers.get("POLY_SIGNATURE", "")):
            self.auth_failures.append("L2: hmac")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        if abs(int(time.time()) - int(timestamp or 0)) > 300:
            self.auth_failures.append("L2: clock skew")
            raise HttpError(401, {"error": "Unauthorized/Invalid api key"})
        return api_key

    def create_api_key(self, headers: Any) -> dict[str, Any]:
        """POST /auth/api-key (L1)."""
        address = self.verify_l1(headers)
        if address.lower() in self.key_of:
            raise HttpError(400, {"error": "Could not create api key"})
        return self.derive_api_key(headers)

    def derive_api_key(self, headers: Any) -> dict[str, Any]:
        """GET /auth/derive-api-key (L1)."""
        address = self.verify_l1(headers)
        api_key, secret, passphrase = self._credentials_for(address)
        self.creds[api_key] = (address, secret, passphrase)
        self.key_of[address.lower()] = api_key
        return {"apiKey": api_key, "secret": secret, "passphrase": passphrase}
