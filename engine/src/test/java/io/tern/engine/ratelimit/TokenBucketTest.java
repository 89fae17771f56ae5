package io.tern.engine.ratelimit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenBucketTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void startsFullAndRefillsOneTokenPerInterval()
    {
        final TokenBucket bucket = new TokenBucket(2, 5 * SECOND);
        final long t0 = 1_000 * SECOND;
        assertTrue(bucket.tryTake(t0));
        assertTrue(bucket.tryTake(t0));
        assertFalse(bucket.tryTake(t0));
        assertFalse(bucket.tryTake(t0 + 5 * SECOND - 1));
        assertTrue(bucket.tryTake(t0 + 5 * SECOND));
        assertFalse(bucket.tryTake(t0 + 5 * SECOND));
    }

    @Test
    void neverHoldsMoreThanItsBurst()
    {
        final TokenBucket bucket = new TokenBucket(4, SECOND);
        final long t0 = 1_000 * SECOND;
        bucket.tryTake(t0);
        final long later = t0 + 3600 * SECOND;
        for (int i = 0; i < 4; i++)
        {
            assertTrue(bucket.tryTake(later));
        }
        assertFalse(bucket.tryTake(later));
    }

    @Test
    void throttleNoticeIsDueOncePerRefusalStreak()
    {
        final TokenBucket bucket = new TokenBucket(1, SECOND);
        final long t0 = 1_000 * SECOND;
        assertTrue(bucket.tryTake(t0));
        assertFalse(bucket.tryTake(t0));
        assertTrue(bucket.markThrottled());
        assertFalse(bucket.markThrottled());
        assertTrue(bucket.tryTake(t0 + SECOND));
        assertTrue(bucket.markThrottled());
    }
}
