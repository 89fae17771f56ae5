package io.tern.daemon.server;

import io.tern.daemon.process.ProcessTreeUsage;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Samples the resource usage of every registered {@link ManagedServer} from {@code /proc} once per
 * interval and publishes a {@code stats} frame for each one that is not offline (PROTOCOL.md §2.5).
 *
 * <p>Threads: one scheduler thread ({@code tern-stats}) does all sampling with one reusable
 * {@link ProcessTreeUsage}; directory walks for {@code disk_bytes} run on a second thread
 * ({@code tern-disk-usage}) so a large server directory never delays the 1 Hz stats of the others.
 * Servers may be added and removed from any thread.
 *
 * <p>Lifecycle: construct, {@link #add(ManagedServer)} each server, {@link #start()}; {@link #close()}
 * at daemon shutdown.
 */
public final class StatsSampler implements AutoCloseable
{
    private static final Logger LOG = Logger.getLogger(StatsSampler.class.getName());

    private final Duration interval;
    /**
     * Each interval is cut into this many slices and each server is sampled in its own slice, so
     * the {@code stats} frames of a node's servers are spread over the second instead of reaching
     * every session at once: 400 servers sampled together put 10,000 {@code stats} frames (with
     * 25 sessions each) in front of the console lines of that moment, 40 ms of writes.
     */
    static final int SLICES = 10;

    private final List<Slot> servers = new CopyOnWriteArrayList<>();
    private int nextSlice;
    private long ticks;
    private final ProcessTreeUsage scratch = new ProcessTreeUsage();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemon("tern-stats"));
    private final ExecutorService diskWorker = Executors.newSingleThreadExecutor(daemon("tern-disk-usage"));

    /**
     * @param interval the sampling period ({@link RuntimeSettings#statsInterval()}).
     */
    public StatsSampler(final Duration interval)
    {
        if (interval.isZero() || interval.isNegative())
        {
            throw new IllegalArgumentException("stats interval must be positive: " + interval);
        }
        this.interval = interval;
    }

    /**
     * Starts sampling {@code server}; its disk usage is measured at the next sample even while offline.
     *
     * @param server the server.
     */
    public synchronized void add(final ManagedServer server)
    {
        servers.add(new Slot(server, nextSlice));
        nextSlice = (nextSlice + 1) % SLICES;
    }

    /**
     * Stops sampling {@code server} (e.g. it was deleted).
     *
     * @param server the server.
     */
    public void remove(final ManagedServer server)
    {
        servers.removeIf(slot -> slot.server == server);
    }

    /**
     * Starts the periodic sampling: every server once per interval, in its slice of it.
     */
    public void start()
    {
        final long nanos = interval.toNanos() / SLICES;
        scheduler.scheduleAtFixedRate(this::sampleSlice, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Samples the servers of the next slice. The process table is read once per interval, in the
     * first slice that has a running server, and reused by the later slices of that interval.
     */
    synchronized void sampleSlice()
    {
        final int slice = (int)(ticks++ % SLICES);
        if (slice == 0)
        {
            scratch.beginPass();
        }
        for (final Slot slot : servers)
        {
            if (slot.slice == slice)
            {
                sample(slot.server);
            }
        }
        if (slice == SLICES - 1)
        {
            scratch.forgetProcessTable();
        }
    }

    /**
     * Runs one sampling pass over every server on the calling thread (the scheduler calls this; tests
     * call it directly instead of waiting a period). Disk measurements due are handed to the disk thread.
     */
    public synchronized void sampleOnce()
    {
        scratch.beginPass();
        try
        {
            sampleAll();
        }
        finally
        {
            scratch.forgetProcessTable();
        }
    }

    private void sampleAll()
    {
        for (final Slot slot : servers)
        {
            sample(slot.server);
        }
    }

    private void sample(final ManagedServer server)
    {
        try
        {
            if (server.claimDiskCheck())
            {
                measureDiskAsync(server);
            }
            server.sampleStats(scratch);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(Level.WARNING, "sampling server " + server.uuid() + " failed", ex);
        }
    }

    /** A server and the slice of the interval it is sampled in. */
    private record Slot(ManagedServer server, int slice)
    {
    }

    /**
     * Stops sampling; a directory walk in progress finishes on its daemon thread.
     */
    public void close()
    {
        scheduler.shutdownNow();
        diskWorker.shutdownNow();
        try
        {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void measureDiskAsync(final ManagedServer server)
    {
        try
        {
            diskWorker.execute(server::measureDisk);
        }
        catch (final RejectedExecutionException ex)
        {
            // Closed: measure inline so the claim is released.
            server.measureDisk();
        }
    }

    private static ThreadFactory daemon(final String name)
    {
        return task ->
        {
            final Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
