package io.tern.daemon.e2e;

import org.agrona.concurrent.EpochNanoClock;

/**
 * The daemon's clock in end-to-end tests: it starts at the real time and only moves when the test
 * moves it, so rate limits, token expiry and the console throttle never depend on test speed.
 */
final class ManualClock implements EpochNanoClock
{
    private volatile long nanos = System.currentTimeMillis() * 1_000_000L;

    @Override
    public long nanoTime()
    {
        return nanos;
    }

    long epochSeconds()
    {
        return nanos / 1_000_000_000L;
    }

    void advanceSeconds(final long seconds)
    {
        nanos += seconds * 1_000_000_000L;
    }

    void advanceMillis(final long millis)
    {
        nanos += millis * 1_000_000L;
    }
}
