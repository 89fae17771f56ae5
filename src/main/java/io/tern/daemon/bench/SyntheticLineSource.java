package io.tern.daemon.bench;

import io.tern.engine.fanout.ServerChannel;
import org.agrona.concurrent.EpochNanoClock;

import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Benchmark only, off by default ({@code bench.line_source_rate: 0}): publishes synthetic
 * {@link BenchLine}s straight into every server's {@link ServerChannel#publishConsole}, at
 * {@code rate} lines/s per server, from one thread and without any process, so the load generator
 * can measure the engine's ceiling (record → encode → fan-out → socket) apart from process IO.
 * The lines skip the console history and throttle, and arrive whatever the server's state.
 *
 * <p>Schedule: with {@code M} servers the {@code k}-th line overall is due {@code k / (rate·M)}
 * seconds after the start and goes to server {@code k mod M}, so the servers' lines are spread
 * evenly in time instead of arriving in bursts of {@code M}. Each server's {@code seq} counts from
 * 0 without gaps; the stamp is the daemon clock when the line is published. The server list is
 * re-read every second (servers added or deleted through the admin API); a change restarts the
 * schedule and keeps each remaining server's sequence. Publishing allocates nothing.
 */
public final class SyntheticLineSource implements AutoCloseable
{
    private static final Logger LOG = Logger.getLogger("tern.bench");
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final int ratePerServer;
    private final Supplier<? extends Collection<ServerChannel>> channels;
    private final EpochNanoClock clock;
    private final byte[] line = new byte[BenchLine.MAX_LENGTH];
    private ServerChannel[] targets = new ServerChannel[0];
    private long[] sequences = new long[0];
    private double intervalNanos;
    private long start;
    private long nextIndex;
    private long nextRefresh;
    private boolean started;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param ratePerServer lines per second per server, > 0.
     * @param channels      the current servers' channels; called on the source's thread once a second.
     * @param clock         stamps the lines (epoch nanoseconds).
     */
    public SyntheticLineSource(
        final int ratePerServer,
        final Supplier<? extends Collection<ServerChannel>> channels,
        final EpochNanoClock clock)
    {
        if (ratePerServer <= 0)
        {
            throw new IllegalArgumentException("rate must be > 0 lines/s per server: " + ratePerServer);
        }
        this.ratePerServer = ratePerServer;
        this.channels = channels;
        this.clock = clock;
    }

    /**
     * Starts the publishing thread ({@code tern-bench-lines}, a daemon thread).
     *
     * @return this.
     */
    public synchronized SyntheticLineSource start()
    {
        if (thread == null)
        {
            running = true;
            thread = new Thread(this::run, "tern-bench-lines");
            thread.setDaemon(true);
            thread.start();
            LOG.warning("bench.line_source_rate is " + ratePerServer + ": publishing synthetic console lines into every server"
                + " (benchmark only)");
        }
        return this;
    }

    private void run()
    {
        try
        {
            while (running)
            {
                final long now = System.nanoTime();
                publishDue(now);
                final long wait = Math.min(nextDueNanos() - System.nanoTime(), MAX_PARK_NANOS);
                if (wait > 0)
                {
                    LockSupport.parkNanos(wait);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.log(Level.WARNING, "synthetic line source stopped: " + ex, ex);
        }
    }

    /**
     * Publishes every line due at {@code nowNanos} (the first call starts the schedule). For the
     * source's thread, or a test driving it without one.
     *
     * @param nowNanos {@link System#nanoTime()}-based time.
     * @return lines published.
     */
    int publishDue(final long nowNanos)
    {
        if (!started || nowNanos - nextRefresh >= 0)
        {
            refresh(nowNanos);
        }
        final int servers = targets.length;
        if (servers == 0)
        {
            return 0;
        }
        int published = 0;
        while (start + (long)(nextIndex * intervalNanos) - nowNanos <= 0)
        {
            final int server = (int)(nextIndex % servers);
            final int length = BenchLine.format(line, 0, sequences[server]++, clock.nanoTime());
            targets[server].publishConsole(line, 0, length);
            nextIndex++;
            published++;
        }
        return published;
    }

    /** When the next line is due, {@link System#nanoTime()}-based. */
    long nextDueNanos()
    {
        return targets.length == 0 ? nextRefresh : start + (long)(nextIndex * intervalNanos);
    }

    private void refresh(final long nowNanos)
    {
        nextRefresh = nowNanos + REFRESH_NANOS;
        final Collection<ServerChannel> current = channels.get();
        boolean same = started && current.size() == targets.length;
        if (same)
        {
            int i = 0;
            for (final ServerChannel channel : current)
            {
                if (targets[i++] != channel)
                {
                    same = false;
                    break;
                }
            }
        }
        if (same)
        {
            return;
        }
        final Map<ServerChannel, Long> previous = new IdentityHashMap<>();
        for (int i = 0; i < targets.length; i++)
        {
            previous.put(targets[i], sequences[i]);
        }
        final ServerChannel[] newTargets = current.toArray(new ServerChannel[0]);
        final long[] newSequences = new long[newTargets.length];
        for (int i = 0; i < newTargets.length; i++)
        {
            newSequences[i] = previous.getOrDefault(newTargets[i], 0L);
        }
        targets = newTargets;
        sequences = newSequences;
        intervalNanos = newTargets.length == 0 ? 0 : 1e9 / ((double)ratePerServer * newTargets.length);
        start = nowNanos;
        nextIndex = 0;
        started = true;
    }

    /**
     * Stops the thread and waits up to a second for it. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        running = false;
        if (thread != null)
        {
            LockSupport.unpark(thread);
            try
            {
                thread.join(1000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }
}
