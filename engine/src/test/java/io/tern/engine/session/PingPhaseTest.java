package io.tern.engine.session;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PingPhaseTest
{
    private static final long INTERVAL = 30_000_000_000L;

    @Test
    void sessionsOpenedTogetherArePingedAcrossTheWholeInterval()
    {
        // 10,000 sessions with consecutive ids (a reconnect storm): per second of the interval,
        // about a thirtieth of them, never all in one tick.
        final int[] perSecond = new int[30];
        for (int id = 1; id <= 10_000; id++)
        {
            final long phase = Sessions.pingPhase(id, INTERVAL);
            assertTrue(phase >= 0 && phase < INTERVAL, "phase " + phase);
            perSecond[(int)(phase / 1_000_000_000L)]++;
        }
        for (int second = 0; second < perSecond.length; second++)
        {
            assertTrue(perSecond[second] > 250 && perSecond[second] < 420, "second " + second + ": " + perSecond[second]);
        }
    }

    @Test
    void thePhaseIsFixedPerSessionAndZeroWithoutPings()
    {
        assertEquals(Sessions.pingPhase(42, INTERVAL), Sessions.pingPhase(42, INTERVAL));
        assertEquals(0, Sessions.pingPhase(42, 0));
    }
}
