package io.tern.daemon.server;

import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.process.ConsoleHistory;
import io.tern.daemon.process.ConsoleThrottle;
import io.tern.daemon.process.DirectoryRemoval;
import io.tern.daemon.process.DiskUsage;
import io.tern.daemon.process.DoneDetector;
import io.tern.daemon.process.LeftoverProcesses;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One configured game server run as a local process tree (PROTOCOL.md Part I.4): its power state
 * machine (§6.3, §6.4), console pipeline (§4.3, §5), resource usage and memory limit (§2.5), crash
 * detection (§6.3) and install script (§7), published on its {@link ServerChannel}.
 *
 * <p>Threads:
 * <ul>
 *     <li>the engine's inbound thread calls the {@link ServerControl} methods; they never block:
 *     power actions and installs run on the shared control worker, stdin writes on the run's writer thread;</li>
 *     <li>the control worker runs one power action or install at a time per server, guarded by the power
 *     lock (a {@code stop} may hold it for {@link RuntimeSettings#stopTimeout()}, an install for as long
 *     as its script runs, so the worker must be a multi-threaded pool or {@code kill} would queue behind
 *     them);</li>
 *     <li>each process run has a console reader, a stdin writer and an exit watcher thread
 *     ({@link ProcessRun}); an install has an output reader thread ({@link InstallProcess});</li>
 *     <li>the {@link StatsSampler} thread samples usage once per interval and kills a tree that stays
 *     over its memory limit;</li>
 *     <li>the admin API calls {@link #updateDefinition}, {@link #install}, {@link #delete} and
 *     {@link #shutdown(Duration, boolean)} from its own threads.</li>
 * </ul>
 * Every state change goes through one lock and publishes its {@code status} while holding it, so
 * {@code status} frames are published exactly once per transition and in order; entering
 * {@code offline} also publishes the zeroed {@code stats}; then the {@link #onStateChange state
 * listeners} are told, still in order.
 *
 * <p>Every process Tern spawns for the server (invocation and install script) carries
 * {@link LeftoverProcesses#SERVER_UUID_VARIABLE}{@code =<uuid>} in its environment, which is how a
 * later daemon recognises processes that outlived this one.
 *
 * <p>Lifecycle: construct (creates the server directory), register with a {@link StatsSampler} and a
 * state listener, call {@link #power} and {@link #install} as clients ask, {@link #updateDefinition}
 * when the configuration changes, and finally either {@link #shutdown(Duration, boolean)} when the
 * daemon stops or {@link #delete()} when the server is removed.
 */
public final class ManagedServer implements ServerControl
{
    /** The daemon console notice for the first throttled line of an episode (§4.3). */
    public static final String THROTTLE_NOTICE = "Server is outputting console data too quickly -- throttling...";
    /** The {@code daemon message} sent when an install script starts (§6.2). */
    public static final String INSTALL_NOTICE = "Starting installation process, this could take a few minutes...";
    /** The event that opens an install (§7). */
    public static final String INSTALL_STARTED_EVENT = "install started";
    /** The event that closes an install (§7). */
    public static final String INSTALL_COMPLETED_EVENT = "install completed";
    /** How long a reinstall lets a running server stop before killing it (Wings: 10 s). */
    public static final Duration REINSTALL_STOP_GRACE = Duration.ofSeconds(10);
    /** How long a server suspended while running may take to stop before it is killed (Wings: 1 minute). */
    public static final Duration SUSPEND_STOP_GRACE = Duration.ofMinutes(1);
    /** Consecutive stats samples above {@code limits.memory} after which the tree is killed. */
    public static final int OUT_OF_MEMORY_SAMPLES = 2;

    private static final Logger LOG = Logger.getLogger(ManagedServer.class.getName());
    private static final long BYTES_PER_MIB = 1024L * 1024L;
    /** How long to wait for the tree to be gone after SIGKILL before reporting a failure. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    /** How long an automatic restart waits for the power lock (the start that crashed may still hold it). */
    private static final Duration CRASH_RESTART_LOCK_WAIT = Duration.ofSeconds(30);
    private static final String CRASH_HANDLING_FAILED = "Server crash was detected but an error occurred while handling it.";
    private static final String LOCK_BUSY =
        "another power action is currently being processed for this server, please try again later";
    private static final String SUSPENDED = "server is currently in a suspended state";
    private static final String CLOSED = "the server is being shut down or deleted";

    private final String uuid;
    private final Path directory;
    private final RuntimeSettings settings;
    private final ServerChannel channel;
    private final ExecutorService controlWorker;
    private final EpochNanoClock clock;
    private final ConsoleHistory history;
    private final ConsoleThrottle throttle;
    private final String threadSuffix;
    /** The power lock of §6.3: a semaphore, because an action releases it on another thread than the one that took it. */
    private final Semaphore powerLock = new Semaphore(1);
    private final AtomicBoolean diskCheckInFlight = new AtomicBoolean();
    private final Object stateLock = new Object();
    private final List<Consumer<ServerState>> stateListeners = new CopyOnWriteArrayList<>();
    /** The latest usage; guarded by {@link #stateLock}. */
    private final ResourceUsage usage = new ResourceUsage();
    /** The configuration the next start uses; replaced under {@link #stateLock}. */
    private volatile Configuration configuration;
    private volatile ServerState state = ServerState.OFFLINE;
    /** The running process tree, or null; written under {@link #stateLock}. */
    private volatile ProcessRun run;
    /** The running install script, or null; written under {@link #stateLock}. */
    private volatile InstallProcess installProcess;
    /** Set while an install holds the power lock. */
    private volatile boolean installing;
    /** Counted down when the latest install ends. */
    private volatile CountDownLatch installFinished = new CountDownLatch(0);
    private volatile long diskBytes;
    private volatile boolean diskMeasured;
    private volatile long diskMeasuredAtNanos;
    private volatile boolean crashedBefore;
    private volatile long lastCrashNanos;
    /** Shut down or deleted: no more power actions but {@code kill}, no crash handling. */
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
        this.uuid = definition.uuid();
        this.configuration = Configuration.of(definition);
        this.directory = directory;
        this.settings = settings;
        this.channel = channel;
        this.controlWorker = controlWorker;
        this.clock = clock;
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(
                "cannot create the directory " + directory + " of server " + uuid + ": " + ex, ex);
        }
        this.history = new ConsoleHistory(settings.websocketLogCount());
        this.throttle = new ConsoleThrottle(
            settings.throttleLines(), TimeUnit.MILLISECONDS.toNanos(settings.throttleResetMillis()), clock);
        this.threadSuffix = uuid.length() > 8 ? uuid.substring(0, 8) : uuid;
        usage.memoryLimitBytes = configuration.memoryLimitBytes;
    }

    /**
     * @return the current configuration: what the next start uses (a running process keeps the one it
     * was started with).
     */
    public ServerDefinition definition()
    {
        return configuration.definition;
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
        return uuid;
    }

    public ServerState state()
    {
        return state;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Reflects {@link #updateDefinition} at once.
     */
    public boolean isSuspended()
    {
        return configuration.definition.suspended();
    }

    /**
     * @return true while an install or reinstall runs (including a reinstall stopping the server first);
     * power actions are then refused with {@link PowerResult#INSTALLING}. Never blocks.
     */
    public boolean isInstalling()
    {
        return installing;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code memory_limit_bytes} is the running process's limit, or the configured one while offline.
     */
    public void readUsage(final ResourceUsage into)
    {
        synchronized (stateLock)
        {
            into.copyFrom(usage);
            into.state = state;
            into.memoryLimitBytes = currentMemoryLimitBytes();
            into.diskBytes = diskBytes;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Typing the stop command of a {@code command}-stopped server moves it to {@code stopping} first, so
     * its exit is not taken for a crash. A process that has not read its last {@link
     * io.tern.daemon.process.StdinWriter#BUFFER_CAPACITY} bytes of commands is reported as not attached.
     */
    public CommandResult sendCommand(final byte[] utf8, final int offset, final int length)
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
        final ServerDefinition started = active.definition();
        if (started.stopType() == ServerDefinition.StopType.COMMAND && active.isStopCommand(utf8, offset, length))
        {
            moveIfCurrent(active, null, ServerState.STOPPING);
        }
        return active.stdin().offer(utf8, offset, length) ? CommandResult.ACCEPTED : CommandResult.NOT_ATTACHED;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Same as {@link #power(PowerAction, PowerListener, Duration)} without waiting for the lock.
     */
    public PowerResult power(final PowerAction action, final PowerListener listener)
    {
        return power(action, listener, Duration.ZERO);
    }

    /**
     * Starts a power action in the background (PROTOCOL.md §6.3), waiting up to {@code lockWait} for
     * the power lock, as the REST power route does with {@code wait_seconds}. Never blocks the caller:
     * when the lock is busy and {@code lockWait} is positive, the wait itself happens on the control
     * worker, the call returns {@link PowerResult#ACCEPTED}, and a wait that runs out is reported to
     * {@code listener} with the §6.3 text {@code another power action is currently being processed for
     * this server, please try again later}. A {@code start} that waited and then finds the server
     * running is reported to {@code listener} as {@code server is running}.
     *
     * <p>{@link PowerAction#KILL} never waits: it takes the lock if free and proceeds anyway.
     *
     * @param action   the action.
     * @param listener told on any thread if the action fails after it was accepted; may be {@code null}
     *                 (failures are then logged).
     * @param lockWait how long the action may wait for the lock; zero or negative means not at all.
     * @return {@link PowerResult#ACCEPTED}; {@link PowerResult#INSTALLING} while an install runs;
     * {@link PowerResult#LOCKED} when the lock is busy and {@code lockWait} is zero, or the server was
     * shut down or deleted; {@link PowerResult#ALREADY_RUNNING} for {@code start} when not offline (when
     * the lock was free); {@link PowerResult#SUSPENDED} for {@code start}/{@code restart} while suspended.
     */
    public PowerResult power(final PowerAction action, final PowerListener listener, final Duration lockWait)
    {
        final PowerListener errors = listener != null ? listener : this::logPowerError;
        if (installing)
        {
            return PowerResult.INSTALLING;
        }
        if (action == PowerAction.KILL)
        {
            return submit(action, powerLock.tryAcquire(), errors);
        }
        if (closed)
        {
            return PowerResult.LOCKED;
        }
        final boolean startsProcess = action == PowerAction.START || action == PowerAction.RESTART;
        if (!powerLock.tryAcquire())
        {
            if (installing)
            {
                return PowerResult.INSTALLING;
            }
            if (lockWait == null || lockWait.isZero() || lockWait.isNegative())
            {
                return PowerResult.LOCKED;
            }
            if (startsProcess && isSuspended())
            {
                return PowerResult.SUSPENDED;
            }
            return submitAfterLockWait(action, lockWait, errors);
        }
        if (action == PowerAction.START && state != ServerState.OFFLINE)
        {
            powerLock.release();
            return PowerResult.ALREADY_RUNNING;
        }
        if (startsProcess && isSuspended())
        {
            powerLock.release();
            return PowerResult.SUSPENDED;
        }
        return submit(action, true, errors);
    }

    /**
     * Runs the server's install script in the background (PROTOCOL.md §7), holding the power lock for
     * the whole install. A reinstall first stops a running server ({@link #REINSTALL_STOP_GRACE}, then
     * SIGKILL). Then, when the definition has an install script: {@code install started [""]},
     * {@code daemon message} {@link #INSTALL_NOTICE}, one {@code install output} per script output line;
     * then the state is forced to {@code offline} (a {@code status} only if it changed) and
     * {@code install completed [""]} is published, also after a failed script (as Wings does). Without an
     * install script only {@code install completed} is published.
     *
     * <p>While installing, {@link #state()} is unchanged, {@link #isInstalling()} is true and power
     * actions return {@link PowerResult#INSTALLING}. {@link #shutdown(Duration, boolean)} and
     * {@link #delete()} kill a running install script. Never blocks the caller.
     *
     * @param reinstall true for the reinstall route (stops a running server first); false for the install
     *                  route, which is meant for a new server and refuses one that is not offline.
     * @param listener  told on any thread when the install fails after it was accepted (script could not
     *                  start, exited with a non-zero code, server did not stop); may be {@code null}.
     * @return {@link PowerResult#ACCEPTED}; {@link PowerResult#LOCKED} when a power action holds the lock
     * or the server was shut down or deleted (the REST route answers 409); {@link PowerResult#INSTALLING}
     * when an install already runs; {@link PowerResult#ALREADY_RUNNING} for an install (not a reinstall)
     * of a server that is not offline.
     */
    public PowerResult install(final boolean reinstall, final PowerListener listener)
    {
        final PowerListener errors = listener != null ? listener : this::logPowerError;
        if (installing)
        {
            return PowerResult.INSTALLING;
        }
        if (closed || !powerLock.tryAcquire())
        {
            return installing ? PowerResult.INSTALLING : PowerResult.LOCKED;
        }
        if (!reinstall && state != ServerState.OFFLINE)
        {
            powerLock.release();
            return PowerResult.ALREADY_RUNNING;
        }
        final CountDownLatch finished = new CountDownLatch(1);
        installFinished = finished;
        installing = true;
        try
        {
            controlWorker.execute(() -> runInstall(errors, finished));
        }
        catch (final RejectedExecutionException ex)
        {
            installing = false;
            powerLock.release();
            finished.countDown();
            errors.onPowerError("the daemon is shutting down, the install was not run");
        }
        return PowerResult.ACCEPTED;
    }

    /**
     * Applies a new configuration live (the admin API's sync and create routes). The invocation,
     * environment, stop configuration, done strings, memory limit and install script take effect from
     * the next start or install; a running process keeps the configuration it was started with.
     * {@link #isSuspended()} reflects the new value at once. When the server becomes (or stays)
     * suspended while its process runs, the process is stopped in the background on the control
     * worker: its stop configuration, {@link #SUSPEND_STOP_GRACE}, then SIGKILL (PROTOCOL.md §8 sync),
     * without waiting for the power lock; a start in progress that would spawn after this call is
     * refused instead. Never blocks.
     *
     * @param definition the new configuration.
     * @throws IllegalArgumentException when the uuid differs or a {@code regex:} done string is invalid;
     *                                  the old configuration then stays.
     */
    public void updateDefinition(final ServerDefinition definition)
    {
        if (!uuid.equals(definition.uuid()))
        {
            throw new IllegalArgumentException(
                "server " + uuid + " cannot take the configuration of server " + definition.uuid() + ": the uuid is fixed");
        }
        final Configuration updated = Configuration.of(definition);
        final ProcessRun toStop;
        synchronized (stateLock)
        {
            configuration = updated;
            toStop = definition.suspended() ? run : null;
        }
        if (toStop == null)
        {
            return;
        }
        try
        {
            controlWorker.execute(() ->
            {
                LOG.info("server " + uuid + " was suspended while running; stopping it");
                stop(toStop, SUSPEND_STOP_GRACE, this::logPowerError);
            });
        }
        catch (final RejectedExecutionException ex)
        {
            logPowerError("suspended while the daemon shuts down; the shutdown stops it");
        }
    }

    /**
     * Registers a listener told after every state transition, e.g. to persist states
     * ({@code io.tern.daemon.lifecycle.StateStore}). It is called on the thread that made the change
     * while the server's state lock is held, so calls arrive in transition order; it must be quick,
     * must not block and must not call back into this server's power methods.
     *
     * @param listener receives the new state.
     */
    public void onStateChange(final Consumer<ServerState> listener)
    {
        stateListeners.add(listener);
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
     * Same as {@link #shutdown(Duration, boolean)} without detaching.
     *
     * @param grace how long the process may take to stop by itself.
     */
    public void shutdown(final Duration grace)
    {
        shutdown(grace, false);
    }

    /**
     * Ends this server's management for a daemon shutdown: refuses further power actions except
     * {@code kill} and turns crash handling off; a running install script is killed. Then:
     * <ul>
     *     <li>{@code detach == false}: the process tree is stopped the configured way, given up to
     *     {@code grace}, then SIGKILLed;</li>
     *     <li>{@code detach == true} ({@code system.detach_on_shutdown}): the process is left running and the
     *     state is left as it is (so the saved state still says {@code running}). Its output keeps being
     *     drained until the daemon's JVM exits, so it does not block on a full pipe meanwhile. A detached
     *     process is <em>not</em> re-attached by the next daemon: its console was a pipe to this JVM, so
     *     after the exit its writes fail (SIGPIPE or EPIPE, which ends many programs) and its stdin is at
     *     end of file. The next daemon must call {@link LeftoverProcesses#killAll} for its servers at
     *     boot, before starting any, which kills such processes (they carry
     *     {@link LeftoverProcesses#SERVER_UUID_VARIABLE}); a server whose saved state was
     *     {@code running} or {@code starting} is then started afresh. No second copy ever runs beside it.</li>
     * </ul>
     * Blocks the caller (up to about {@code grace} plus 20 s); servers can be shut down in parallel.
     *
     * @param grace  how long the process may take to stop by itself.
     * @param detach leave the process running instead of stopping it.
     */
    public void shutdown(final Duration grace, final boolean detach)
    {
        closed = true;
        endInstall();
        if (detach)
        {
            final ProcessRun current = run;
            if (current != null)
            {
                LOG.info("server " + uuid + ": leaving process " + current.tree().pid() + " running (detach on shutdown)");
            }
            return;
        }
        final ProcessRun current = run;
        if (current != null)
        {
            stop(current, grace, this::logPowerError);
        }
    }

    /**
     * Deletes the server's runtime (the admin API's DELETE route): marks it closed (power actions other
     * than {@code kill} are refused, installs too), kills a running install script, SIGKILLs the whole
     * process tree and waits for it, with no crash handling and no restart. The {@code status} goes
     * {@code stopping} then {@code offline} as for a kill. Blocks the caller for at most about 20 s. A
     * start that is spawning its process at that very moment kills that process itself, on the control
     * worker. Removing the directory is a separate step: {@link #deleteDirectory()}.
     *
     * @return true when no process of the server is left; false when one did not exit in time (logged).
     */
    public boolean delete()
    {
        closed = true;
        final ProcessRun current = run;
        if (current != null)
        {
            moveIfCurrent(current, null, ServerState.STOPPING);
            // Killed before the install is ended: a reinstall may be waiting for this very process to stop.
            current.tree().signal(Signal.KILL);
        }
        boolean gone = endInstall();
        if (current != null)
        {
            gone &= awaitKilled(current, this::logPowerError);
        }
        return gone;
    }

    /**
     * Removes the server directory recursively without following any symbolic link out of it
     * ({@link DirectoryRemoval}). Blocking.
     *
     * @throws IllegalStateException when {@link #delete()} was not called or a process still runs.
     * @throws IOException           when an entry cannot be removed.
     */
    public void deleteDirectory() throws IOException
    {
        if (!closed || run != null || installProcess != null)
        {
            throw new IllegalStateException(
                "server " + uuid + " still runs: call delete() before removing its directory " + directory);
        }
        DirectoryRemoval.removeRecursively(directory);
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
     * against the run's done strings while {@code starting}.
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
        if (state == ServerState.STARTING && owner.doneDetector().matches(buffer, offset, length))
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
            onCrash(exitCode, finished.outOfMemory());
        }
    }

    /**
     * Publishes a {@code stats} sample of the running tree, and kills the tree when it has been over its
     * memory limit for {@link #OUT_OF_MEMORY_SAMPLES} samples in a row (its exit is then a crash with
     * {@code Out of memory: true}); on the stats sampler thread.
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
        final List<ProcessHandle> descendants = current.tree().refreshDescendants(scratch);
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
            usage.memoryLimitBytes = current.memoryLimitBytes();
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
        if (current.recordMemorySample(scratch.rssBytes()) >= OUT_OF_MEMORY_SAMPLES && !current.outOfMemory())
        {
            LOG.warning("server " + uuid + " used " + scratch.rssBytes() + " bytes, over its limit of " +
                current.memoryLimitBytes() + " bytes, for " + OUT_OF_MEMORY_SAMPLES + " samples; killing it");
            current.markOutOfMemory();
            current.tree().signal(Signal.KILL);
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

    /**
     * @param definition a server configuration.
     * @return its {@code limits.memory} in bytes; 0 = unlimited.
     */
    static long memoryLimitBytes(final ServerDefinition definition)
    {
        return Math.max(0, definition.memoryLimitMib()) * BYTES_PER_MIB;
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

    private PowerResult submitAfterLockWait(final PowerAction action, final Duration lockWait, final PowerListener errors)
    {
        try
        {
            controlWorker.execute(() ->
            {
                final boolean locked;
                try
                {
                    locked = powerLock.tryAcquire(lockWait.toNanos(), TimeUnit.NANOSECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    errors.onPowerError("interrupted while waiting for the power lock");
                    return;
                }
                if (!locked)
                {
                    errors.onPowerError(LOCK_BUSY);
                    return;
                }
                if (closed)
                {
                    powerLock.release();
                    errors.onPowerError(CLOSED);
                    return;
                }
                runAction(action, true, errors);
            });
        }
        catch (final RejectedExecutionException ex)
        {
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
                    stopCurrent(settings.stopTimeout(), errors);
                    break;
                case RESTART:
                    if (stopCurrent(settings.stopTimeout(), errors))
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
            LOG.log(Level.SEVERE, "power action " + action.wireName() + " failed for server " + uuid, ex);
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
        if (closed)
        {
            errors.onPowerError(CLOSED);
            return;
        }
        final Configuration starting = configuration;
        if (starting.definition.suspended())
        {
            errors.onPowerError(SUSPENDED);
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
            tree = ProcessTree.spawn(starting.definition.invocation(), directory, environmentOf(starting.definition));
        }
        catch (final IOException | RuntimeException ex)
        {
            moveTo(ServerState.STOPPING);
            moveTo(ServerState.OFFLINE);
            errors.onPowerError("cannot start the server process (/bin/sh -c in " + directory + "): " + ex.getMessage());
            return;
        }
        final ProcessRun started =
            new ProcessRun(this, tree, starting.definition, starting.doneDetector, clock.nanoTime(), threadSuffix);
        final String refusal;
        synchronized (stateLock)
        {
            // Suspension, shutdown and deletion do not wait for the power lock: one that came while the
            // process was being spawned finds no run to stop, so the start itself must not publish it.
            refusal = closed ? CLOSED : configuration.definition.suspended() ? SUSPENDED : null;
            if (refusal == null)
            {
                run = started;
            }
        }
        if (refusal != null)
        {
            discard(tree);
            moveTo(ServerState.STOPPING);
            moveTo(ServerState.OFFLINE);
            errors.onPowerError(refusal);
            return;
        }
        started.start();
        if (starting.doneDetector.isEmpty())
        {
            moveIfCurrent(started, ServerState.STARTING, ServerState.RUNNING);
        }
    }

    /** Kills a tree that was spawned but never became the server's run. */
    private void discard(final ProcessTree tree)
    {
        tree.signal(Signal.KILL);
        try
        {
            if (!tree.process().waitFor(KILL_WAIT.toNanos(), TimeUnit.NANOSECONDS))
            {
                logPowerError("process " + tree.pid() + " did not exit within " + KILL_WAIT.toSeconds() + " s of SIGKILL");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        tree.killRemaining();
    }

    /**
     * Stops the current run, if any.
     *
     * @return true when the server is offline at the end.
     */
    private boolean stopCurrent(final Duration budget, final PowerListener errors)
    {
        final ProcessRun current = run;
        if (current == null)
        {
            return state == ServerState.OFFLINE;
        }
        return stop(current, budget, errors);
    }

    /**
     * Stops {@code current} the way it was configured when it started, waits {@code budget}, then SIGKILLs it.
     *
     * @return true when the run is over at the end.
     */
    private boolean stop(final ProcessRun current, final Duration budget, final PowerListener errors)
    {
        moveIfCurrent(current, null, ServerState.STOPPING);
        final ServerDefinition started = current.definition();
        if (started.stopType() == ServerDefinition.StopType.COMMAND)
        {
            if (!current.stdin().offer(started.stopValue()))
            {
                LOG.log(Level.WARNING, "server " + uuid + " does not take stdin; waiting " + budget +
                    " for it to exit before killing it");
            }
        }
        else
        {
            current.tree().signal(Signal.forStopValue(started.stopValue()));
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
        errors.onPowerError("process " + current.tree().pid() + " of server " + uuid + " did not exit within " +
            KILL_WAIT.toSeconds() + " s of SIGKILL");
        return false;
    }

    /** The install of {@link #install}, on the control worker, holding the power lock. */
    private void runInstall(final PowerListener errors, final CountDownLatch finished)
    {
        try
        {
            final ProcessRun current = run;
            if (current != null && !stop(current, REINSTALL_STOP_GRACE, errors))
            {
                errors.onPowerError("the server process did not stop, so the install script was not run");
                return;
            }
            if (closed)
            {
                errors.onPowerError(CLOSED + ", so the install script was not run");
                return;
            }
            final ServerDefinition definition = configuration.definition;
            if (definition.install() != null)
            {
                channel.publishEvent(INSTALL_STARTED_EVENT, "");
                channel.publishDaemonMessage(INSTALL_NOTICE);
                runInstallScript(definition, errors);
            }
            synchronized (stateLock)
            {
                if (run == null)
                {
                    applyLocked(ServerState.OFFLINE);
                }
            }
            channel.publishEvent(INSTALL_COMPLETED_EVENT, "");
        }
        catch (final RuntimeException ex)
        {
            LOG.log(Level.SEVERE, "install failed for server " + uuid, ex);
            errors.onPowerError("install failed: " + ex);
        }
        finally
        {
            installing = false;
            powerLock.release();
            finished.countDown();
        }
    }

    private void runInstallScript(final ServerDefinition definition, final PowerListener errors)
    {
        final InstallProcess process;
        try
        {
            Files.createDirectories(directory);
            process = InstallProcess.start(definition.install(), directory, environmentOf(definition), channel, threadSuffix);
        }
        catch (final IOException | RuntimeException ex)
        {
            errors.onPowerError("cannot run the install script in " + directory + ": " + ex);
            return;
        }
        final boolean refused;
        synchronized (stateLock)
        {
            installProcess = process;
            refused = closed;
        }
        if (refused)
        {
            process.kill();
        }
        final int exitCode = process.awaitExit();
        synchronized (stateLock)
        {
            installProcess = null;
        }
        if (exitCode != 0)
        {
            errors.onPowerError("the install script exited with code " + exitCode);
        }
    }

    /**
     * Kills a running install script and waits for the install to end.
     *
     * @return true when no install runs any more.
     */
    private boolean endInstall()
    {
        final InstallProcess process;
        synchronized (stateLock)
        {
            process = installProcess;
        }
        if (process != null)
        {
            process.kill();
        }
        try
        {
            // A reinstall may still be stopping the server: its grace, then the kill wait.
            if (installFinished.await(REINSTALL_STOP_GRACE.plus(KILL_WAIT).toNanos(), TimeUnit.NANOSECONDS))
            {
                return true;
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        logPowerError("the install did not end in time");
        return false;
    }

    private void onCrash(final int exitCode, final boolean outOfMemory)
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
        if (exitCode == 0 && !outOfMemory && !settings.detectCleanExitAsCrash())
        {
            return;
        }
        channel.publishDaemonConsole("---------- Detected server process in a crashed state! ----------");
        channel.publishDaemonConsole("Exit code: " + exitCode);
        channel.publishDaemonConsole("Out of memory: " + outOfMemory);
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

    private Map<String, String> environmentOf(final ServerDefinition definition)
    {
        final Map<String, String> environment = definition.environment() == null ?
            new HashMap<>() : new HashMap<>(definition.environment());
        environment.put(LeftoverProcesses.SERVER_UUID_VARIABLE, uuid);
        return environment;
    }

    /** Called with {@link #stateLock} held. */
    private long currentMemoryLimitBytes()
    {
        final ProcessRun current = run;
        return current != null ? current.memoryLimitBytes() : configuration.memoryLimitBytes;
    }

    private void logPowerError(final String detail)
    {
        LOG.log(Level.WARNING, "server " + uuid + ": " + detail);
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

    /** Publishes one {@code status} per actual change, then tells the listeners; called with {@link #stateLock} held. */
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
            usage.memoryLimitBytes = currentMemoryLimitBytes();
            usage.diskBytes = diskBytes;
            channel.publishStats(usage);
        }
        else
        {
            usage.state = newState;
        }
        for (final Consumer<ServerState> listener : stateListeners)
        {
            try
            {
                listener.accept(newState);
            }
            catch (final RuntimeException ex)
            {
                LOG.log(Level.WARNING, "a state listener of server " + uuid + " failed on " + newState.wireName(), ex);
            }
        }
    }

    /**
     * What a start uses: the definition with its compiled done strings, replaced as a whole so a start
     * never mixes an old and a new configuration.
     */
    private static final class Configuration
    {
        final ServerDefinition definition;
        final DoneDetector doneDetector;
        final long memoryLimitBytes;

        private Configuration(final ServerDefinition definition, final DoneDetector doneDetector)
        {
            this.definition = definition;
            this.doneDetector = doneDetector;
            this.memoryLimitBytes = memoryLimitBytes(definition);
        }

        static Configuration of(final ServerDefinition definition)
        {
            try
            {
                return new Configuration(definition, new DoneDetector(definition.done()));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("server " + definition.uuid() + ": " + ex.getMessage(), ex);
            }
        }
    }
}
