package io.tern.benchmarks;

import org.agrona.concurrent.EpochNanoClock;

/**
 * A clock the benchmark moves forward, so rate limiters refill deterministically.
 */
final class BenchClock implements EpochNanoClock
{
    long nanos = 1_800_000_000L * 1_000_000_000L;

    @Override
    public long nanoTime()
    {
        return nanos;
    }
}
