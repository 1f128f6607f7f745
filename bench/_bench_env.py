"""Point Django at the dashboard benchmark database, never the test or demo database.

It is dlr_bench_dashboard, apart from dlr_bench, which other benchmarks fill and vacuum.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = os.environ.get("DLR_BENCH_DATABASE", "dlr_bench_dashboard")
SERVER_URL = os.environ.get("DLR_BENCH_SERVER", "postgres://root@127.0.0.1:5432")


def setup_django() -> None:
    """Configure Django on the benchmark database; call before importing any model."""
    if BENCH_DATABASE in ("dlr", "test_dlr", "dlr_bench"):
        raise SystemExit("refusing to run a benchmark on the demo or test database")
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"{SERVER_URL}/{BENCH_DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dlr_project.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-production")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    # Keep the benchmark's cache entries apart from the demo's.
    os.environ.setdefault("CACHE_KEY_PREFIX", "dlr-bench")
    import django

    django.setup()
