package io.tern.engine.ratelimit;

/**
 * A token bucket like Go's {@code rate.Limiter} with {@code rate.Every(interval)}: it starts
 * full with {@code burst} tokens and gains one token per {@code intervalNanos}, never more than
 * {@code burst}. Time is passed in, so tests drive it. Single-threaded (owned by the handler
 * thread); no allocation. Tokens are tracked in nanoseconds of credit to keep fractions exact.
 */
public final class TokenBucket
{
    private final long intervalNanos;
    private final long capacityNanos;
    private long creditNanos;
    private long lastNanos;
    private boolean started;
    /** Set on the first refusal of a refusal streak, cleared on the next allowed take (§4.1). */
    private boolean throttled;

    /**
     * @param burst         bucket capacity in tokens.
     * @param intervalNanos time to earn one token.
     */
    public TokenBucket(final int burst, final long intervalNanos)
    {
        this.intervalNanos = intervalNanos;
        this.capacityNanos = burst * intervalNanos;
        this.creditNanos = capacityNanos;
    }

    /**
     * Takes one token if available.
     *
     * @param nowNanos the current time.
     * @return true when allowed.
     */
    public boolean tryTake(final long nowNanos)
    {
        if (!started)
        {
            started = true;
            lastNanos = nowNanos;
        }
        final long elapsed = nowNanos - lastNanos;
        if (elapsed > 0)
        {
            creditNanos = Math.min(capacityNanos, creditNanos + elapsed);
            lastNanos = nowNanos;
        }
        if (creditNanos >= intervalNanos)
        {
            creditNanos -= intervalNanos;
            throttled = false;
            return true;
        }
        return false;
    }

    /**
     * Records a refusal.
     *
     * @return true when this refusal starts a streak, i.e. a {@code throttled} notice is due.
     */
    public boolean markThrottled()
    {
        if (throttled)
        {
            return false;
        }
        throttled = true;
        return true;
    }
}
