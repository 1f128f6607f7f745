"""Entry point: `python -m responsys_emulator --login-port ... --api-port ... --state ...`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
