package io.tern.daemon.process;

import io.tern.daemon.process.ConsoleThrottle.Verdict;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConsoleThrottleTest
{
    private static final long WINDOW_NANOS = 100_000_000L;

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final ConsoleThrottle throttle = new ConsoleThrottle(3, WINDOW_NANOS, now::get);

    @Test
    void publishesUpToTheLineLimitPerWindow()
    {
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.DROP_AND_NOTIFY, throttle.tryAcquire());
        assertEquals(Verdict.DROP, throttle.tryAcquire());
        assertEquals(Verdict.DROP, throttle.tryAcquire());
    }

    @Test
    void keepsTheWindowUntilMoreThanThePeriodHasPassed()
    {
        fill();
        now.addAndGet(WINDOW_NANOS);
        assertEquals(Verdict.DROP_AND_NOTIFY, throttle.tryAcquire(), "exactly one period later is still the same window");

        now.addAndGet(1);
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire(), "more than one period later a new window starts");
    }

    @Test
    void windowStartsAtItsFirstLineNotOnAFixedGrid()
    {
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        now.addAndGet(WINDOW_NANOS - 1);
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.DROP_AND_NOTIFY, throttle.tryAcquire());
    }

    @Test
    void notifiesOncePerEpisodeAndAgainAfterAnAllowedLine()
    {
        fill();
        assertEquals(Verdict.DROP_AND_NOTIFY, throttle.tryAcquire());
        assertEquals(Verdict.DROP, throttle.tryAcquire());

        now.addAndGet(WINDOW_NANOS + 1);
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire(), "the allowed line ends the episode");
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.DROP_AND_NOTIFY, throttle.tryAcquire(), "a new episode gets its own notice");
    }

    @Test
    void resetStartsAFreshWindowAndEpisode()
    {
        fill();
        assertEquals(Verdict.DROP_AND_NOTIFY, throttle.tryAcquire());

        throttle.reset();

        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        assertEquals(Verdict.DROP_AND_NOTIFY, throttle.tryAcquire());
    }

    @Test
    void resetWindowRunsFromTheResetTime()
    {
        throttle.reset();
        now.addAndGet(WINDOW_NANOS);
        fill();
        assertEquals(Verdict.DROP_AND_NOTIFY, throttle.tryAcquire(), "still the window opened by reset");
    }

    private void fill()
    {
        for (int i = 0; i < 3; i++)
        {
            assertEquals(Verdict.PUBLISH, throttle.tryAcquire());
        }
    }
}
