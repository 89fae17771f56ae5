package io.tern.engine.testing;

import org.agrona.concurrent.EpochNanoClock;

/**
 * A clock that only moves when a test moves it.
 */
public final class ManualClock implements EpochNanoClock
{
    private volatile long nanos;

    public ManualClock(final long epochSeconds)
    {
        this.nanos = epochSeconds * 1_000_000_000L;
    }

    @Override
    public long nanoTime()
    {
        return nanos;
    }

    public long epochSeconds()
    {
        return nanos / 1_000_000_000L;
    }

    public void advanceMillis(final long millis)
    {
        nanos += millis * 1_000_000L;
    }

    public void advanceSeconds(final long seconds)
    {
        nanos += seconds * 1_000_000_000L;
    }
}
