//! Benchmarks of hazptr (filled in by the benchmark work).
