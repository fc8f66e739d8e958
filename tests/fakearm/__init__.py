"""A fake Azure Resource Manager for tests and benchmarks: HTTPS on loopback, any inventory, faults on demand.

`server` holds the server (and runs it in a process of its own with `python -m`), `store` answers
for an inventory the way ARM would, `harness` shares one server per test process and collects any
inventory through it, `tenant` builds inventories to serve.
"""
