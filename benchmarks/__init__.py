"""The benchmark harness (`python -m benchmarks.run`), its steps, baselines and the dashboard latency benchmark.

Imported one way only, as the package `benchmarks` from the repository root (`python -m benchmarks.<module>`).
"""
