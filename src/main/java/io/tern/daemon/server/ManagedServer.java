package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.process.ConsoleHistory;
import io.tern.daemon.process.ConsoleThrottle;
import io.tern.daemon.process.DiskUsage;
import io.tern.daemon.process.DoneDetector;
import io.tern.daemon.process.ProcessTree;
import io.tern.daemon.process.ProcessTreeUsage;
import io.tern.daemon.process.Signal;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ResourceUsage;
import io.tern.engine.server.ServerControl;
import io.tern.engine.server.ServerState;
import org.agrona.concurrent.EpochNanoClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One configured game server run as a local process tree (PROTOCOL.md Part I.4): its power state
 * machine (§6.3, §6.4), console pipeline (§4.3, §5) and resource usage (§2.5), published on its
 * {@link ServerChannel}.
 *
 * <p>Threads:
 * <ul>
 *     <li>the engine's inbound thread calls the {@link ServerControl} methods; they never block:
 *     power actions run on the shared control worker, stdin writes on the run's writer thread;</li>
 *     <li>the control worker runs one power action at a time per server, guarded by the power lock
 *     (a {@code stop} may hold it for {@link RuntimeSettings#stopTimeout()}, so the worker must be a
 *     multi-threaded pool or {@code kill} would queue behind it);</li>
 *     <li>each process run has a console reader, a stdin writer and an exit watcher thread
 *     ({@link ProcessRun});</li>
 *     <li>the {@link StatsSampler} thread samples usage once per interval.</li>
 * </ul>
 * Every state change goes through one lock and publishes its {@code status} while holding it, so
 * {@code status} frames are published exactly once per transition and in order; entering
 * {@code offline} also publishes the zeroed {@code stats}.
 *
 * <p>Lifecycle: construct (creates the server directory), register with a {@link StatsSampler},
 * call {@link #power} as clients ask, and {@link #shutdown(Duration)} when the daemon stops.
 */
public final class ManagedServer implements ServerControl
{
    /** The daemon console notice for the first throttled line of an episode (§4.3). */
    public static final String THROTTLE_NOTICE = "Server is outputting console data too quickly -- throttling...";

    private static final Logger LOG = Logger.getLogger(ManagedServer.class.getName());
    private static final long BYTES_PER_MIB = 1024L * 1024L;
    /** How long to wait for the tree to be gone after SIGKILL before reporting a failure. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    /** How long an automatic restart waits for the power lock (the start that crashed may still hold it). */
    private static final Duration CRASH_RESTART_LOCK_WAIT = Duration.ofSeconds(30);
    private static final String CRASH_HANDLING_FAILED = "Server crash was detected but an error occurred while handling it.";

    private final ServerDefinition definition;
    private final Path directory;
    private final RuntimeSettings settings;
    private final ServerChannel channel;
    private final ExecutorService controlWorker;
    private final EpochNanoClock clock;
    private final ConsoleHistory history;
    private final ConsoleThrottle throttle;
    private final DoneDetector doneDetector;
    private final long memoryLimitBytes;
    private final String threadSuffix;
    /** The power lock of §6.3: a semaphore, because an action releases it on another thread than the one that took it. */
    private final Semaphore powerLock = new Semaphore(1);
    private final AtomicBoolean diskCheckInFlight = new AtomicBoolean();
    private final Object stateLock = new Object();
    /** The latest usage; guarded by {@link #stateLock}. */
    private final ResourceUsage usage = new ResourceUsage();
    private volatile ServerState state = ServerState.OFFLINE;
    /** The running process tree, or null; written under {@link #stateLock}. */
    private volatile ProcessRun run;
    private volatile long diskBytes;
    private volatile boolean diskMeasured;
    private volatile long diskMeasuredAtNanos;
    private volatile boolean crashedBefore;
    private volatile long lastCrashNanos;
    private volatile boolean closed;

    /**
     * @param definition    the server's configuration.
     * @param directory     the server directory, created when missing; the process's working directory.
     * @param settings      daemon-wide runtime settings.
     * @param channel       where console lines, {@code status} and {@code stats} are published.
     * @param controlWorker runs power actions; a multi-threaded pool shared by all servers.
     * @param clock         time for the console throttle, uptime, CPU and crash timing
     *                      ({@code new SystemEpochNanoClock()} in production).
     * @throws UncheckedIOException     when the directory cannot be created.
     * @throws IllegalArgumentException when a {@code regex:} done string is invalid or the channel is another server's.
     */
    public ManagedServer(
        final ServerDefinition definition,
        final Path directory,
        final RuntimeSettings settings,
        final ServerChannel channel,
        final ExecutorService controlWorker,
        final EpochNanoClock clock)
    {
        if (!definition.uuid().equals(channel.uuid()))
        {
            throw new IllegalArgumentException(
                "server " + definition.uuid() + " was given the channel of server " + channel.uuid());
        }
        this.definition = definition;
        this.directory = directory;
        this.settings = settings;
        this.channel = channel;
        this.controlWorker = controlWorker;
        this.clock = clock;
        try
        {
            this.doneDetector = new DoneDetector(definition.done());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("server " + definition.uuid() + ": " + ex.getMessage(), ex);
        }
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(
                "cannot create the directory " + directory + " of server " + definition.uuid() + ": " + ex, ex);
        }
        this.history = new ConsoleHistory(settings.websocketLogCount());
        this.throttle = new ConsoleThrottle(
            settings.throttleLines(), TimeUnit.MILLISECONDS.toNanos(settings.throttleResetMillis()), clock);
        this.memoryLimitBytes = Math.max(0, definition.memoryLimitMib()) * BYTES_PER_MIB;
        this.threadSuffix = definition.uuid().length() > 8 ? definition.uuid().substring(0, 8) : definition.uuid();
        usage.memoryLimitBytes = memoryLimitBytes;
    }

    /**
     * @return the configuration this server runs.
     */
    public ServerDefinition definition()
    {
        return definition;
    }

    /**
     * @return the server directory.
     */
    public Path directory()
    {
        return directory;
    }

    public String uuid()
    {
        return definition.uuid();
    }

    public ServerState state()
    {
        return state;
    }

    public boolean isSuspended()
    {
        return definition.suspended();
    }

    public void readUsage(final ResourceUsage into)
    {
        synchronized (stateLock)
        {
            into.copyFrom(usage);
            into.state = state;
            into.memoryLimitBytes = memoryLimitBytes;
            into.diskBytes = diskBytes;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Typing the stop command of a {@code command}-stopped server moves it to {@code stopping} first, so
     * its exit is not taken for a crash. A process that has not read its last {@link
     * io.tern.daemon.process.StdinWriter#QUEUE_CAPACITY} commands is reported as not attached.
     */
    public CommandResult sendCommand(final String command)
    {
        final ServerState current = state;
        if (current == ServerState.OFFLINE)
        {
            return CommandResult.IGNORED;
        }
        final ProcessRun active = run;
        if (active == null)
        {
            return current == ServerState.STARTING ? CommandResult.IGNORED : CommandResult.NOT_ATTACHED;
        }
        if (!active.stdin().isOpen())
        {
            return CommandResult.NOT_ATTACHED;
        }
        if (definition.stopType() == ServerDefinition.StopType.COMMAND && command.equals(definition.stopValue()))
        {
            moveIfCurrent(active, null, ServerState.STOPPING);
        }
        return active.stdin().offer(command) ? CommandResult.ACCEPTED : CommandResult.NOT_ATTACHED;
    }

    public PowerResult power(final PowerAction action, final PowerListener listener)
    {
        final PowerListener errors = listener != null ? listener : this::logPowerError;
        if (action == PowerAction.KILL)
        {
            return submit(action, powerLock.tryAcquire(), errors);
        }
        if (closed || !powerLock.tryAcquire())
        {
            return PowerResult.LOCKED;
        }
        if (action == PowerAction.START && state != ServerState.OFFLINE)
        {
            powerLock.release();
            return PowerResult.ALREADY_RUNNING;
        }
        if ((action == PowerAction.START || action == PowerAction.RESTART) && isSuspended())
        {
            powerLock.release();
            return PowerResult.SUSPENDED;
        }
        return submit(action, true, errors);
    }

    public void replayHistory(final HistoryConsumer consumer)
    {
        if (state == ServerState.OFFLINE)
        {
            return;
        }
        history.replay(consumer);
    }

    /**
     * Stops the server for a daemon shutdown: refuses further power actions except {@code kill}, stops
     * the process tree the configured way, waits up to {@code grace}, then SIGKILLs it. Blocks the caller;
     * servers can be shut down in parallel. Does nothing when offline.
     *
     * @param grace how long the process may take to stop by itself.
     */
    public void shutdown(final Duration grace)
    {
        closed = true;
        if (run != null)
        {
            stop(grace, this::logPowerError);
        }
    }

    /**
     * @return true while a power action holds the power lock (e.g. the {@code start} that spawned the
     * process may still be finishing after the done line was seen).
     */
    boolean powerActionInProgress()
    {
        return powerLock.availablePermits() == 0;
    }

    /**
     * @return the root process id of the running tree, or -1 when none runs.
     */
    long pid()
    {
        final ProcessRun active = run;
        return active == null ? -1 : active.tree().pid();
    }

    /**
     * One line of process output, on the run's console reader thread (§4.3): into the history (what
     * {@code send logs} replays, throttled or not), through the throttle to the channel, then checked
     * against the done strings while {@code starting}.
     */
    void onConsoleLine(final ProcessRun owner, final byte[] buffer, final int offset, final int length)
    {
        if (owner != run)
        {
            return;
        }
        history.append(buffer, offset, length);
        switch (throttle.tryAcquire())
        {
            case PUBLISH:
                channel.publishConsole(buffer, offset, length);
                break;
            case DROP_AND_NOTIFY:
                channel.publishDaemonConsole(THROTTLE_NOTICE);
                break;
            case DROP:
                break;
        }
        if (state == ServerState.STARTING && doneDetector.matches(buffer, offset, length))
        {
            moveIfCurrent(owner, ServerState.STARTING, ServerState.RUNNING);
        }
    }

    /**
     * The run's root process exited and its output was drained; on its exit watcher thread. Moves to
     * {@code offline} and, when the exit was not asked for (the state was {@code starting} or
     * {@code running}), runs crash detection.
     */
    void onRunFinished(final ProcessRun finished, final int exitCode)
    {
        final ServerState previous;
        synchronized (stateLock)
        {
            if (run != finished)
            {
                return;
            }
            run = null;
            previous = state;
            applyLocked(ServerState.OFFLINE);
        }
        if (previous == ServerState.STARTING || previous == ServerState.RUNNING)
        {
            onCrash(exitCode);
        }
    }

    /**
     * Publishes a {@code stats} sample of the running tree; on the stats sampler thread.
     *
     * @param scratch the sampler's reusable counters.
     */
    void sampleStats(final ProcessTreeUsage scratch)
    {
        final ProcessRun current = run;
        if (current == null)
        {
            return;
        }
        final List<ProcessHandle> descendants = current.tree().refreshDescendants();
        scratch.sample(current.tree().root(), descendants);
        final long now = clock.nanoTime();
        final double cpu = current.cpuPercent(scratch.cpuTicks(), now);
        synchronized (stateLock)
        {
            if (run != current || state == ServerState.OFFLINE)
            {
                return;
            }
            usage.memoryBytes = scratch.rssBytes();
            usage.memoryLimitBytes = memoryLimitBytes;
            usage.cpuAbsolute = cpu;
            // The tree shares the host's network namespace, so its traffic cannot be told apart: reported as 0.
            usage.networkRxBytes = 0;
            usage.networkTxBytes = 0;
            usage.diskReadBytes = scratch.readBytes();
            usage.diskWriteBytes = scratch.writeBytes();
            usage.uptimeMillis = Math.max(0, (now - current.startNanos()) / 1_000_000);
            usage.state = state;
            usage.diskBytes = diskBytes;
            channel.publishStats(usage);
        }
    }

    /**
     * Claims the next disk measurement when one is due: never measured yet, or not offline and the
     * cached value is older than {@link RuntimeSettings#diskCheckIntervalSeconds()}. The claimer must
     * call {@link #measureDisk()}.
     *
     * @return true when the caller must measure now.
     */
    boolean claimDiskCheck()
    {
        final long interval = settings.diskCheckIntervalSeconds();
        if (interval == 0)
        {
            return false;
        }
        if (diskMeasured && (state == ServerState.OFFLINE ||
            clock.nanoTime() - diskMeasuredAtNanos < TimeUnit.SECONDS.toNanos(interval)))
        {
            return false;
        }
        return diskCheckInFlight.compareAndSet(false, true);
    }

    /**
     * Walks the server directory for {@code disk_bytes}; blocking, on the sampler's disk thread.
     */
    void measureDisk()
    {
        try
        {
            diskBytes = DiskUsage.sizeOf(directory);
            diskMeasuredAtNanos = clock.nanoTime();
            diskMeasured = true;
        }
        finally
        {
            diskCheckInFlight.set(false);
        }
    }

    private PowerResult submit(final PowerAction action, final boolean locked, final PowerListener errors)
    {
        try
        {
            controlWorker.execute(() -> runAction(action, locked, errors));
        }
        catch (final RejectedExecutionException ex)
        {
            if (locked)
            {
                powerLock.release();
            }
            errors.onPowerError("the daemon is shutting down, power action " + action.wireName() + " was not run");
        }
        return PowerResult.ACCEPTED;
    }

    private void runAction(final PowerAction action, final boolean locked, final PowerListener errors)
    {
        try
        {
            switch (action)
            {
                case START:
                    start(errors);
                    break;
                case STOP:
                    stop(settings.stopTimeout(), errors);
                    break;
                case RESTART:
                    if (stop(settings.stopTimeout(), errors))
                    {
                        start(errors);
                    }
                    break;
                case KILL:
                    kill(errors);
                    break;
                default:
                    throw new IllegalStateException("unhandled power action " + action);
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.log(Level.SEVERE, "power action " + action.wireName() + " failed for server " + uuid(), ex);
            errors.onPowerError("power action " + action.wireName() + " failed: " + ex);
        }
        finally
        {
            if (locked)
            {
                powerLock.release();
            }
        }
    }

    private void start(final PowerListener errors)
    {
        if (state != ServerState.OFFLINE)
        {
            errors.onPowerError("server is running");
            return;
        }
        if (isSuspended())
        {
            errors.onPowerError("server is currently in a suspended state");
            return;
        }
        channel.publishDaemonConsole("Updating process configuration files...");
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            errors.onPowerError("cannot create the server directory " + directory + ": " + ex);
            return;
        }
        history.clear();
        synchronized (stateLock)
        {
            usage.resetForState(ServerState.OFFLINE);
            applyLocked(ServerState.STARTING);
        }
        final ProcessTree tree;
        try
        {
            tree = ProcessTree.spawn(definition.invocation(), directory, definition.environment());
        }
        catch (final IOException | RuntimeException ex)
        {
            moveTo(ServerState.STOPPING);
            moveTo(ServerState.OFFLINE);
            errors.onPowerError("cannot start the server process (/bin/sh -c in " + directory + "): " + ex.getMessage());
            return;
        }
        final ProcessRun started = new ProcessRun(this, tree, clock.nanoTime(), threadSuffix);
        synchronized (stateLock)
        {
            run = started;
        }
        started.start();
        if (doneDetector.isEmpty())
        {
            moveIfCurrent(started, ServerState.STARTING, ServerState.RUNNING);
        }
    }

    /**
     * Stops the running tree the configured way, waits {@code budget}, then SIGKILLs it.
     *
     * @return true when the server is offline at the end.
     */
    private boolean stop(final Duration budget, final PowerListener errors)
    {
        final ProcessRun current = run;
        if (current == null)
        {
            return state == ServerState.OFFLINE;
        }
        moveIfCurrent(current, null, ServerState.STOPPING);
        if (definition.stopType() == ServerDefinition.StopType.COMMAND)
        {
            if (!current.stdin().offer(definition.stopValue()))
            {
                LOG.log(Level.WARNING, "server " + uuid() + " does not take stdin; waiting " + budget +
                    " for it to exit before killing it");
            }
        }
        else
        {
            current.tree().signal(Signal.forStopValue(definition.stopValue()));
        }
        if (current.awaitFinished(budget))
        {
            return true;
        }
        if (Thread.currentThread().isInterrupted())
        {
            return false;
        }
        current.tree().signal(Signal.KILL);
        return awaitKilled(current, errors);
    }

    private void kill(final PowerListener errors)
    {
        final ProcessRun current = run;
        if (current == null)
        {
            return;
        }
        moveIfCurrent(current, null, ServerState.STOPPING);
        current.tree().signal(Signal.KILL);
        awaitKilled(current, errors);
    }

    private boolean awaitKilled(final ProcessRun current, final PowerListener errors)
    {
        if (current.awaitFinished(KILL_WAIT))
        {
            return true;
        }
        errors.onPowerError("process " + current.tree().pid() + " of server " + uuid() + " did not exit within " +
            KILL_WAIT.toSeconds() + " s of SIGKILL");
        return false;
    }

    private void onCrash(final int exitCode)
    {
        if (closed)
        {
            return;
        }
        if (!settings.crashDetectionEnabled())
        {
            channel.publishDaemonConsole("Aborting automatic restart, crash detection is disabled for this instance.");
            return;
        }
        if (exitCode == 0 && !settings.detectCleanExitAsCrash())
        {
            return;
        }
        channel.publishDaemonConsole("---------- Detected server process in a crashed state! ----------");
        channel.publishDaemonConsole("Exit code: " + exitCode);
        channel.publishDaemonConsole("Out of memory: false");
        final long now = clock.nanoTime();
        final long timeoutSeconds = settings.crashTimeoutSeconds();
        if (timeoutSeconds != 0 && crashedBefore && now - lastCrashNanos < TimeUnit.SECONDS.toNanos(timeoutSeconds))
        {
            channel.publishDaemonConsole(
                "Aborting automatic restart, last crash occurred less than " + timeoutSeconds + " seconds ago.");
            return;
        }
        crashedBefore = true;
        lastCrashNanos = now;
        try
        {
            controlWorker.execute(this::restartAfterCrash);
        }
        catch (final RejectedExecutionException ex)
        {
            logPowerError("crashed while the daemon shuts down; not restarted");
        }
    }

    /** Wings restarts a crashed server with a normal {@code start}; on the control worker. */
    private void restartAfterCrash()
    {
        final PowerListener errors = detail ->
        {
            logPowerError("automatic restart after a crash failed: " + detail);
            channel.publishDaemonConsole(CRASH_HANDLING_FAILED);
        };
        final boolean locked;
        try
        {
            locked = powerLock.tryAcquire(CRASH_RESTART_LOCK_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return;
        }
        if (!locked)
        {
            errors.onPowerError("another power action held the lock for " + CRASH_RESTART_LOCK_WAIT.toSeconds() + " s");
            return;
        }
        try
        {
            if (!closed && state == ServerState.OFFLINE)
            {
                start(errors);
            }
        }
        catch (final RuntimeException ex)
        {
            errors.onPowerError(ex.toString());
        }
        finally
        {
            powerLock.release();
        }
    }

    private void logPowerError(final String detail)
    {
        LOG.log(Level.WARNING, "server " + uuid() + ": " + detail);
    }

    private void moveTo(final ServerState newState)
    {
        synchronized (stateLock)
        {
            applyLocked(newState);
        }
    }

    /**
     * Moves to {@code newState} only while {@code owner} is the current run, the server is not offline and,
     * when {@code expected} is given, the state is {@code expected}: events of a finished run never
     * change the state of the next one.
     */
    private void moveIfCurrent(final ProcessRun owner, final ServerState expected, final ServerState newState)
    {
        synchronized (stateLock)
        {
            if (run == owner && state != ServerState.OFFLINE && (expected == null || state == expected))
            {
                applyLocked(newState);
            }
        }
    }

    /** Publishes one {@code status} per actual change; called with {@link #stateLock} held. */
    private void applyLocked(final ServerState newState)
    {
        if (state == newState)
        {
            return;
        }
        state = newState;
        if (newState == ServerState.STARTING)
        {
            throttle.reset();
        }
        channel.publishStatus(newState);
        if (newState == ServerState.OFFLINE)
        {
            usage.resetForState(ServerState.OFFLINE);
            usage.memoryLimitBytes = memoryLimitBytes;
            usage.diskBytes = diskBytes;
            channel.publishStats(usage);
        }
        else
        {
            usage.state = newState;
        }
    }
}
