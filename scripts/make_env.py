"""Write .env for a laptop from .env.example, with fresh secrets (never overwrites)."""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
LAPTOP = {
    "DEBUG": "True",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SECURE_COOKIES": "False",
    # Plain http on localhost, and the demo panels on the loopback simulator.
    "SECURE_SSL_REDIRECT": "False",
    "SECURE_HSTS_SECONDS": "0",
    "PANEL_ALLOW_HTTP": "True",
    "PANEL_ALLOW_PRIVATE_ADDRESSES": "True",
    "PANEL_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


def main() -> int:
    target = ROOT / ".env"
    if target.exists():
        print(".env exists; leaving it alone")
        return 0
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        if not line.startswith("#") and name in LAPTOP:
            line = f"{name}={LAPTOP[name]}"
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o600)
    print("wrote .env with fresh secrets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
