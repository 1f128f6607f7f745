"""Local emulator of the Oracle Responsys REST API.

A standalone HTTP server, separate from the production code. It behaves like the parts of
Responsys that the DLR sync client relies on. Login runs on one port and data calls on another.
Supplemental tables live in SQLite, and the server also throttles, runs async requests and
injects faults. Tests drive it through `responsys_emulator.testing.EmulatorProcess`.
"""
