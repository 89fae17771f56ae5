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
    private final List<ManagedServer> servers = new CopyOnWriteArrayList<>();
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
    public void add(final ManagedServer server)
    {
        servers.add(server);
    }

    /**
     * Stops sampling {@code server} (e.g. it was deleted).
     *
     * @param server the server.
     */
    public void remove(final ManagedServer server)
    {
        servers.remove(server);
    }

    /**
     * Starts the periodic sampling, first after one interval.
     */
    public void start()
    {
        final long nanos = interval.toNanos();
        scheduler.scheduleAtFixedRate(this::sampleOnce, nanos, nanos, TimeUnit.NANOSECONDS);
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
        for (final ManagedServer server : servers)
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
