package io.tern.daemon.process;

import org.agrona.concurrent.EpochNanoClock;

/**
 * The console output throttle of PROTOCOL.md §4.3: a fixed window of {@code lines} lines that
 * restarts when more than {@code resetNanos} have passed since the window began. The first
 * refused line of an episode asks for the "outputting too quickly" notice; the next allowed
 * line ends the episode.
 *
 * <p>Used by the console reader thread for every line and reset by the power worker when the
 * server enters {@code starting}; the methods are synchronized so a reset never tears a window,
 * and the lock is uncontended in practice. Time comes from the injected clock. No allocation.
 */
public final class ConsoleThrottle
{
    private final int lines;
    private final long resetNanos;
    private final EpochNanoClock clock;
    private long windowStartNanos;
    private int count;
    private boolean windowOpen;
    private boolean throttled;

    /**
     * @param lines      lines allowed per window ({@code throttles.lines}).
     * @param resetNanos window length ({@code throttles.line_reset_interval}).
     * @param clock      time source.
     */
    public ConsoleThrottle(final int lines, final long resetNanos, final EpochNanoClock clock)
    {
        this.lines = lines;
        this.resetNanos = resetNanos;
        this.clock = clock;
    }

    /**
     * Counts one line against the current window.
     *
     * @return whether to publish the line, drop it, or drop it and publish the throttling notice.
     */
    public synchronized Verdict tryAcquire()
    {
        final long now = clock.nanoTime();
        if (!windowOpen || now - windowStartNanos > resetNanos)
        {
            windowOpen = true;
            windowStartNanos = now;
            count = 0;
        }
        if (count + 1 <= lines)
        {
            count++;
            throttled = false;
            return Verdict.PUBLISH;
        }
        if (throttled)
        {
            return Verdict.DROP;
        }
        throttled = true;
        return Verdict.DROP_AND_NOTIFY;
    }

    /**
     * Starts a fresh window now and ends any throttling episode; called when the server enters {@code starting}.
     */
    public synchronized void reset()
    {
        windowOpen = true;
        windowStartNanos = clock.nanoTime();
        count = 0;
        throttled = false;
    }

    /** What to do with one console line. */
    public enum Verdict
    {
        /** Within the window: publish the line. */
        PUBLISH,
        /** Over the window, notice already sent this episode: drop the line. */
        DROP,
        /** First refused line of an episode: drop it and publish the throttling notice once. */
        DROP_AND_NOTIFY
    }
}
