"""pynn's benchmarks: `python -m benchmarks` (benchmarks/run.py) times pynn against torch on every workload."""
