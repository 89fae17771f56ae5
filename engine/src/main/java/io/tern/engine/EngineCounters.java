package io.tern.engine;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters an operator graphs, kept without allocation or contention: each array slot has one
 * writing thread, which publishes with an ordered store ({@code lazySet}); scrapes read them from
 * any thread. Names follow the Prometheus exposition in the daemon's {@code /metrics}.
 */
public final class EngineCounters
{
    /** Inbound frames by event, indexed by {@link io.tern.engine.protocol.Events} {@code IN_*} ids (0 = invalid JSON). Handler thread. */
    public static final String[] INBOUND_EVENTS = {"invalid", "auth", "send logs", "send stats", "send command", "set state", "other"};
    /** Outbound frames by event. Indexes of {@link #framesOut}. */
    public static final String[] OUTBOUND_EVENTS = {
        "console output", "status", "stats", "daemon message", "install output", "other", "auth success", "jwt error",
        "daemon error", "throttled", "token expiring", "token expired"};

    public static final int OUT_CONSOLE = 0;
    public static final int OUT_STATUS = 1;
    public static final int OUT_STATS = 2;
    public static final int OUT_DAEMON_MESSAGE = 3;
    public static final int OUT_INSTALL_OUTPUT = 4;
    public static final int OUT_OTHER = 5;
    public static final int OUT_AUTH_SUCCESS = 6;
    public static final int OUT_JWT_ERROR = 7;
    public static final int OUT_DAEMON_ERROR = 8;
    public static final int OUT_THROTTLED = 9;
    public static final int OUT_TOKEN_EXPIRING = 10;
    public static final int OUT_TOKEN_EXPIRED = 11;

    /** Inbound frames by event; written by the handler thread. */
    public final AtomicLongArray framesIn = new AtomicLongArray(INBOUND_EVENTS.length);
    /** Frames the handler thread queued to sessions, by event; each fan-out agent counts its own in {@link #newFramesOutWriter()}. */
    public final AtomicLongArray framesOut = new AtomicLongArray(OUTBOUND_EVENTS.length);
    private final java.util.List<AtomicLongArray> agentFramesOut = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Refusals: [0] global limiter, [1] per-event limiters; handler thread. */
    public final AtomicLongArray rateLimited = new AtomicLongArray(2);
    /** Handler-thread gauges: [0] open sessions, [1] authenticated sessions. */
    public final AtomicLongArray handlerGauges = new AtomicLongArray(2);
    /** Console lines dropped for slow sessions; any thread (only under overload). */
    public final java.util.concurrent.atomic.AtomicLong droppedLines = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @return a new by-event count of frames queued to sessions, for one more writing thread (a fan-out agent);
     * {@link #framesOutTotals()} adds it in.
     */
    public AtomicLongArray newFramesOutWriter()
    {
        final AtomicLongArray counts = new AtomicLongArray(OUTBOUND_EVENTS.length);
        agentFramesOut.add(counts);
        return counts;
    }

    /**
     * @return frames queued to sessions by event, summed over the handler and every fan-out agent. Any thread.
     */
    public AtomicLongArray framesOutTotals()
    {
        final AtomicLongArray totals = new AtomicLongArray(OUTBOUND_EVENTS.length);
        for (int i = 0; i < OUTBOUND_EVENTS.length; i++)
        {
            long sum = framesOut.get(i);
            for (final AtomicLongArray agent : agentFramesOut)
            {
                sum += agent.get(i);
            }
            totals.set(i, sum);
        }
        return totals;
    }

    /**
     * Adds one from the slot's single writer.
     *
     * @param array the counter array.
     * @param index the slot.
     */
    public static void increment(final AtomicLongArray array, final int index)
    {
        array.lazySet(index, array.get(index) + 1);
    }

    /**
     * Adds {@code delta} from the slot's single writer.
     *
     * @param array the counter array.
     * @param index the slot.
     * @param delta the amount.
     */
    public static void add(final AtomicLongArray array, final int index, final long delta)
    {
        array.lazySet(index, array.get(index) + delta);
    }
}
