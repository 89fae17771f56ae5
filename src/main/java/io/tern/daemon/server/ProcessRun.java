package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.process.ConsoleLineSplitter;
import io.tern.daemon.process.DoneDetector;
import io.tern.daemon.process.ProcessTree;
import io.tern.daemon.process.ProcessTreeUsage;
import io.tern.daemon.process.StdinWriter;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One life of a server's process tree, from spawn to exit, with the three threads that serve it:
 * <ul>
 *     <li>the console reader, which splits the merged output into lines and hands each to
 *     {@link ManagedServer#onConsoleLine};</li>
 *     <li>the stdin writer ({@link StdinWriter}), which writes commands in submission order;</li>
 *     <li>the exit watcher, which waits for the root process, kills what is left of the tree (as a
 *     container's processes die with its init), lets the reader drain, and reports the exit with
 *     {@link ManagedServer#onRunFinished}.</li>
 * </ul>
 * The exit watcher does not rely on end-of-stream: a re-parented grandchild could hold the output
 * pipe open forever.
 *
 * <p>A run keeps the configuration it was started with (stop, done strings, memory limit), so a
 * definition updated while it runs takes effect at the next start. The CPU and memory-limit
 * bookkeeping fields belong to the stats sampler thread.
 */
final class ProcessRun
{
    /** How long the exit watcher lets the reader publish buffered output before declaring the run over. */
    private static final long READER_DRAIN_MILLIS = 5_000;

    private final ManagedServer server;
    private final ProcessTree tree;
    private final ServerDefinition definition;
    private final DoneDetector doneDetector;
    private final long memoryLimitBytes;
    private final StdinWriter stdin;
    private final byte[] stopCommand;
    private final long startNanos;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread reader;
    private final Thread writer;
    private final Thread exitWatcher;
    private long lastCpuTicks;
    private long lastCpuNanos;
    private int samplesOverMemoryLimit;
    private volatile boolean outOfMemory;

    ProcessRun(
        final ManagedServer server,
        final ProcessTree tree,
        final ServerDefinition definition,
        final DoneDetector doneDetector,
        final long startNanos,
        final String threadSuffix)
    {
        this.server = server;
        this.tree = tree;
        this.definition = definition;
        this.doneDetector = doneDetector;
        this.memoryLimitBytes = ManagedServer.memoryLimitBytes(definition);
        this.stdin = new StdinWriter(tree.process().getOutputStream());
        this.stopCommand = definition.stopValue().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.startNanos = startNanos;
        this.lastCpuNanos = startNanos;
        final ConsoleLineSplitter splitter = new ConsoleLineSplitter(
            (buffer, offset, length) -> server.onConsoleLine(this, buffer, offset, length));
        this.reader = daemonThread(() -> readConsole(splitter), "tern-console-" + threadSuffix);
        this.writer = daemonThread(stdin, "tern-stdin-" + threadSuffix);
        this.exitWatcher = daemonThread(this::awaitExit, "tern-exit-" + threadSuffix);
    }

    void start()
    {
        reader.start();
        writer.start();
        exitWatcher.start();
    }

    ProcessTree tree()
    {
        return tree;
    }

    StdinWriter stdin()
    {
        return stdin;
    }

    /**
     * @return the configuration this run was started with.
     */
    ServerDefinition definition()
    {
        return definition;
    }

    /**
     * @return whether the command bytes equal this run's stop command, without allocating.
     */
    boolean isStopCommand(final byte[] utf8, final int offset, final int length)
    {
        return java.util.Arrays.equals(stopCommand, 0, stopCommand.length, utf8, offset, offset + length);
    }

    DoneDetector doneDetector()
    {
        return doneDetector;
    }

    /**
     * @return the memory limit of this run in bytes; 0 = unlimited.
     */
    long memoryLimitBytes()
    {
        return memoryLimitBytes;
    }

    /**
     * Counts consecutive samples above the memory limit, on the stats sampler thread.
     *
     * @param rssBytes the tree's resident memory now.
     * @return how many samples in a row, this one included, were above the limit; 0 when under it or unlimited.
     */
    int recordMemorySample(final long rssBytes)
    {
        samplesOverMemoryLimit = memoryLimitBytes > 0 && rssBytes > memoryLimitBytes ? samplesOverMemoryLimit + 1 : 0;
        return samplesOverMemoryLimit;
    }

    /**
     * Marks the run as killed for exceeding its memory limit, so its exit is reported with {@code Out of memory: true}.
     */
    void markOutOfMemory()
    {
        outOfMemory = true;
    }

    boolean outOfMemory()
    {
        return outOfMemory;
    }

    long startNanos()
    {
        return startNanos;
    }

    /**
     * Waits until the exit was reported to the server (the state is then {@code offline}).
     *
     * @param timeout how long to wait.
     * @return true when the run is over; false on timeout or interrupt (the interrupt flag is kept).
     */
    boolean awaitFinished(final Duration timeout)
    {
        try
        {
            return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * CPU use since the previous call (or the spawn), on the stats sampler thread.
     *
     * @param cpuTicks the tree's CPU ticks now.
     * @param nowNanos the time now.
     * @return percent of one core.
     */
    double cpuPercent(final long cpuTicks, final long nowNanos)
    {
        final long ticks = Math.max(0, cpuTicks - lastCpuTicks);
        final long elapsedNanos = nowNanos - lastCpuNanos;
        lastCpuTicks = cpuTicks;
        lastCpuNanos = nowNanos;
        if (elapsedNanos <= 0)
        {
            return 0;
        }
        final double cpuNanos = ticks * (1_000_000_000.0 / ProcessTreeUsage.CLOCK_TICKS_PER_SECOND);
        return cpuNanos / elapsedNanos * 100.0;
    }

    private void readConsole(final ConsoleLineSplitter splitter)
    {
        try
        {
            splitter.readFully(tree.process().getInputStream());
        }
        catch (final IOException ex)
        {
            // The stream was closed after the process exited; whatever was buffered has been emitted.
        }
    }

    private void awaitExit()
    {
        int exitCode;
        while (true)
        {
            try
            {
                exitCode = tree.process().waitFor();
                break;
            }
            catch (final InterruptedException ex)
            {
                // The run must be reported whatever happens, so keep waiting.
            }
        }
        tree.killRemaining();
        try
        {
            reader.join(READER_DRAIN_MILLIS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        stdin.close();
        server.onRunFinished(this, exitCode);
        finished.countDown();
    }

    private static Thread daemonThread(final Runnable task, final String name)
    {
        final Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
