package io.tern.daemon;

import io.tern.daemon.api.AdminApi;
import io.tern.daemon.bench.SyntheticLineSource;
import io.tern.daemon.config.ConfigWriter;
import io.tern.daemon.config.DaemonConfig;
import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.lifecycle.StateStore;
import io.tern.daemon.process.LeftoverProcesses;
import io.tern.daemon.server.ManagedServer;
import io.tern.daemon.server.RuntimeSettings;
import io.tern.daemon.server.StatsSampler;
import io.tern.engine.Engine;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ServerHandle;
import io.tern.engine.server.ServerState;
import io.tern.transport.TransportOptions;
import io.tern.transport.WebsocketServer;
import org.agrona.concurrent.EpochNanoClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * One running Tern node: the engine, the websocket/HTTP listener, every configured server with
 * its process runtime, and the stats sampler, started in that order and stopped in reverse.
 * Server states are recorded in {@code <system.data>/states.json} on every change; at boot,
 * leftover processes of a previous run are killed and the servers that were running start again.
 * The boot second (the token {@code iat} rule) is taken from the clock before anything listens.
 * Tests build a daemon in-process with their own clock.
 *
 * <p>Servers are added, changed and removed at runtime through the admin API
 * ({@link #createServer}, {@link #syncServer}, {@link #deleteServer}); those calls are serialized,
 * and each writes the new {@code servers:} list back into the config file first (with
 * {@link ConfigWriter}), so a restart keeps the change and a failed write changes nothing. In demo
 * mode there is no file and changes live in memory only.
 */
public final class Daemon implements AutoCloseable
{
    private static final Logger LOG = Logger.getLogger("tern.daemon");
    /** How long a graceful daemon stop waits for each server before killing it. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
    /** How long the boot sweep waits for leftover processes of a previous run to die. */
    private static final Duration LEFTOVER_KILL_WAIT = Duration.ofSeconds(10);

    /** How long a deletion waits for the engine to tell the server's sessions. */
    private static final long ENGINE_WAIT_SECONDS = 5;

    private final DaemonConfig config;
    private final EpochNanoClock clock;
    private final long bootEpochSeconds;
    private final Engine engine;
    private final ExecutorService controlWorkers;
    private final RuntimeSettings settings;
    private final StatsSampler sampler;
    /** Every server in creation order; guarded by itself for reads, changed only under {@link #changes}. */
    private final Map<String, ManagedServer> servers = new LinkedHashMap<>();
    /** Serializes creation, sync and deletion, and with them the config write-back. */
    private final Object changes = new Object();
    /** Writes {@code servers:} back into the config file; {@code null} in demo mode. */
    private final ConfigWriter configWriter;
    private final WebsocketServer transport;
    private final StateStore states;
    private final Map<String, ServerState> savedStates;
    private volatile boolean shuttingDown;
    private boolean closed;
    /** {@code bench.line_source_rate} > 0 only: the benchmark's synthetic console lines. */
    private volatile SyntheticLineSource benchLines;

    private Daemon(final DaemonConfig config, final EpochNanoClock clock)
    {
        this.config = config;
        this.clock = clock;
        this.bootEpochSeconds = Math.floorDiv(clock.nanoTime(), 1_000_000_000L);
        this.engine = new Engine(config.toEngineConfig(), clock, config.token(), bootEpochSeconds);
        this.controlWorkers = Executors.newCachedThreadPool(daemonThreads("tern-control"));
        this.settings = runtimeSettings(config);
        this.sampler = new StatsSampler(settings.statsInterval());
        this.configWriter = config.isDemo() ? null : new ConfigWriter(config.source());
        this.states = new StateStore(stateFile(config));
        this.savedStates = new HashMap<>(states.states());
        final List<String> uuids = config.servers().stream().map(ServerDefinition::uuid).toList();
        LeftoverProcesses.killAll(uuids, LEFTOVER_KILL_WAIT).forEach((uuid, killed) ->
            LOG.warning("killed " + killed.size() + " leftover process(es) of server " + uuid + " from a previous run"));
        for (final ServerDefinition definition : config.servers())
        {
            register(definition);
        }
        final TransportOptions options = new TransportOptions();
        options.host = config.apiHost();
        options.port = config.apiPort();
        options.ioThreads = config.ioThreads();
        options.bufferSize = config.bufferSize();
        options.sendBuffer = config.sendBuffer();
        options.compression = config.compression();
        options.remote = config.remote();
        options.allowedOrigins = config.allowedOrigins();
        options.fallback = new AdminApi(this, config.token(), config.remote().isEmpty() ? "tern" : config.remote());
        this.transport = new WebsocketServer(engine, options);
    }

    /**
     * Builds and starts a daemon: engine, sampler, then the listener.
     *
     * @param config the validated configuration.
     * @param clock  the clock for limits, expiry and throttles.
     * @return the running daemon.
     */
    public static Daemon start(final DaemonConfig config, final EpochNanoClock clock)
    {
        final Daemon daemon = new Daemon(config, clock);
        daemon.engine.start();
        daemon.sampler.start();
        try
        {
            daemon.transport.start();
        }
        catch (final RuntimeException ex)
        {
            daemon.close();
            throw ex;
        }
        LOG.info("listening on " + config.apiHost() + ":" + daemon.port() + " with " + daemon.servers().size()
            + " server(s), profile " + config.profile().source());
        daemon.restoreStates();
        if (config.benchLineSourceRate() > 0)
        {
            daemon.benchLines = new SyntheticLineSource(config.benchLineSourceRate(),
                () -> daemon.engine.servers().stream().map(ServerHandle::channel).toList(), clock).start();
        }
        return daemon;
    }

    /** The data directory's {@code states.json}; the directory is created when missing. */
    private static Path stateFile(final DaemonConfig config)
    {
        try
        {
            Files.createDirectories(config.dataDirectory());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create system.data " + config.dataDirectory() + ": " + ex.getMessage(), ex);
        }
        return config.dataDirectory().resolve(StateStore.FILE_NAME);
    }

    /**
     * PROTOCOL.md §6.4: servers that were {@code running} or {@code starting} when the daemon last
     * stopped, gracefully or not, are started again.
     */
    private void restoreStates()
    {
        for (final ManagedServer server : servers())
        {
            final ServerState saved = savedStates.get(server.uuid());
            if (saved != null && StateStore.shouldStartOnBoot(saved))
            {
                LOG.info("starting server " + server.uuid() + " again: it was " + saved.wireName() + " when the daemon stopped");
                server.power(PowerAction.START, detail -> LOG.warning("server " + server.uuid() + " did not start again: " + detail));
            }
        }
    }

    private static RuntimeSettings runtimeSettings(final DaemonConfig config)
    {
        return new RuntimeSettings(
            config.websocketLogCount(),
            config.throttleLines(),
            config.throttleIntervalMillis(),
            config.diskCheckIntervalMillis() / 1000,
            RuntimeSettings.DEFAULT_STOP_TIMEOUT,
            RuntimeSettings.DEFAULT_STATS_INTERVAL,
            config.crashDetectionEnabled(),
            config.detectCleanExitAsCrash(),
            config.crashTimeoutMillis() / 1000);
    }

    /** Builds a server (creating its directory) and adds it. */
    private ManagedServer register(final ServerDefinition definition)
    {
        final ServerChannel channel = engine.newChannel(definition.uuid());
        final ManagedServer server = build(definition, channel);
        add(server, channel);
        return server;
    }

    /**
     * @throws java.io.UncheckedIOException when the server directory cannot be created.
     */
    private ManagedServer build(final ServerDefinition definition, final ServerChannel channel)
    {
        return new ManagedServer(definition, config.serverDirectory(definition.uuid()), settings, channel, controlWorkers, clock);
    }

    /** Registers the server's websocket route, samples its stats and lists it. */
    private void add(final ManagedServer server, final ServerChannel channel)
    {
        server.onStateChange(state ->
        {
            if (!shuttingDown)
            {
                states.record(server.uuid(), state);
            }
        });
        engine.registerServer(server, channel);
        sampler.add(server);
        synchronized (servers)
        {
            servers.put(server.uuid(), server);
        }
    }

    /**
     * Adds a server at runtime: its directory created, the config file rewritten, then its websocket
     * route registered (at once) and its stats sampled. It starts {@code offline}.
     * Blocking (file IO); any thread but the engine's.
     *
     * @param definition the server, validated.
     * @return the new server.
     * @throws IllegalStateException when a server with this uuid exists.
     * @throws IOException           when the directory cannot be created or the config file cannot be
     *                               written; the server was not added.
     */
    public ManagedServer createServer(final ServerDefinition definition) throws IOException
    {
        synchronized (changes)
        {
            if (server(definition.uuid()) != null)
            {
                throw new IllegalStateException("server " + definition.uuid() + " already exists");
            }
            final ServerChannel channel = engine.newChannel(definition.uuid());
            final ManagedServer server;
            try
            {
                server = build(definition, channel);
            }
            catch (final UncheckedIOException ex)
            {
                throw new IOException(ex.getMessage() + "; nothing was changed", ex);
            }
            final List<ServerDefinition> definitions = definitions();
            definitions.add(definition);
            writeBack(definitions);
            add(server, channel);
            LOG.info("server " + definition.uuid() + " created");
            return server;
        }
    }

    /**
     * Applies a server's new configuration live (including suspension: a suspended running server is
     * stopped with a 1 minute grace, then killed) after writing it to the config file. When the server
     * is now suspended its sessions are closed with 4409 {@code server is suspended}; new connections
     * already get 4409. Blocking; any thread but the engine's.
     *
     * @param definition the whole new configuration; its uuid names the server.
     * @return false when there is no such server.
     * @throws IOException when the config file cannot be written; nothing was changed.
     */
    public boolean syncServer(final ServerDefinition definition) throws IOException
    {
        synchronized (changes)
        {
            final ManagedServer server = server(definition.uuid());
            if (server == null)
            {
                return false;
            }
            final List<ServerDefinition> definitions = definitions();
            definitions.replaceAll(existing -> existing.uuid().equals(definition.uuid()) ? definition : existing);
            writeBack(definitions);
            server.updateDefinition(definition);
            if (definition.suspended())
            {
                awaitEngine(engine.closeSessions(definition.uuid(), 4409, "server is suspended"));
            }
            LOG.info("server " + definition.uuid() + " configuration updated" + (definition.suspended() ? " (suspended)" : ""));
            return true;
        }
    }

    /**
     * Deletes a server (PROTOCOL.md §7 with Part I.3 item 4): removed from the config file, its route
     * gone at once (new upgrades get 404), each session sent {@code deleted} then Close 1001
     * {@code server deleted}, its process tree killed without a restart, its directory removed.
     * Blocking; any thread but the engine's.
     *
     * @param uuid the server.
     * @return false when there is no such server.
     * @throws IOException when the config file cannot be written (nothing was deleted), or the
     *                     directory cannot be removed completely (everything else was done).
     */
    public boolean deleteServer(final String uuid) throws IOException
    {
        synchronized (changes)
        {
            final ManagedServer server = server(uuid);
            if (server == null)
            {
                return false;
            }
            final List<ServerDefinition> definitions = definitions();
            definitions.removeIf(existing -> existing.uuid().equals(uuid));
            writeBack(definitions);
            synchronized (servers)
            {
                servers.remove(uuid);
            }
            states.remove(uuid);
            sampler.remove(server);
            awaitEngine(engine.deleteServer(uuid));
            if (!server.delete())
            {
                throw new IOException("server " + uuid + " was deleted, but a process of it did not exit after SIGKILL;"
                    + " its directory " + server.directory() + " was kept");
            }
            LOG.info("server " + uuid + " deleted");
            try
            {
                server.deleteDirectory();
            }
            catch (final IOException ex)
            {
                throw new IOException("server " + uuid + " was deleted, but its directory " + server.directory() +
                    " could not be removed completely: " + ex.getMessage(), ex);
            }
            return true;
        }
    }

    /**
     * @return whole seconds since the daemon booted, by the daemon's clock.
     */
    public long uptimeSeconds()
    {
        return Math.floorDiv(clock.nanoTime(), 1_000_000_000L) - bootEpochSeconds;
    }

    /** The current definitions in order, as a list to change and write back. */
    private List<ServerDefinition> definitions()
    {
        final List<ServerDefinition> definitions = new ArrayList<>();
        for (final ManagedServer server : servers())
        {
            definitions.add(server.definition());
        }
        return definitions;
    }

    private void writeBack(final List<ServerDefinition> definitions) throws IOException
    {
        if (configWriter == null)
        {
            return;
        }
        try
        {
            configWriter.writeServers(definitions);
        }
        catch (final IOException ex)
        {
            throw new IOException("cannot write the servers to the config file " + configWriter.file() + " (" + ex.getMessage()
                + "); nothing was changed", ex);
        }
    }

    private static void awaitEngine(final Future<?> done)
    {
        try
        {
            done.get(ENGINE_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            LOG.warning("the websocket engine did not finish closing sessions: " + ex);
        }
    }

    private static ThreadFactory daemonThreads(final String prefix)
    {
        final AtomicInteger counter = new AtomicInteger();
        return runnable ->
        {
            final Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * @return the bound port (useful when the config asked for port 0).
     */
    public int port()
    {
        return transport.port();
    }

    /**
     * @return the second the daemon booted; tokens must be issued after it.
     */
    public long bootEpochSeconds()
    {
        return bootEpochSeconds;
    }

    /**
     * @return the websocket engine.
     */
    public Engine engine()
    {
        return engine;
    }

    /**
     * @param uuid a server uuid.
     * @return the server or {@code null}.
     */
    public ManagedServer server(final String uuid)
    {
        synchronized (servers)
        {
            return servers.get(uuid);
        }
    }

    /**
     * @return every server, in config order then creation order; a snapshot.
     */
    public List<ManagedServer> servers()
    {
        synchronized (servers)
        {
            return List.copyOf(servers.values());
        }
    }

    /**
     * @return the configuration.
     */
    public DaemonConfig config()
    {
        return config;
    }

    /** Records the states as they are before shutdown stops the servers, so the next boot restores them. */
    private void flushStates()
    {
        try
        {
            states.flush();
        }
        catch (final UncheckedIOException ex)
        {
            LOG.warning(ex.getMessage());
        }
    }

    /** Sends Close 1012 to every socket and gives the transport a moment to flush them. */
    private void closeSockets()
    {
        try
        {
            engine.closeSessions(null, 1012, "service restart").get(2, TimeUnit.SECONDS);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (transport.openConnections() > 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            LOG.warning("closing websockets on shutdown did not finish: " + ex);
        }
    }

    /**
     * Graceful stop: every websocket gets Close 1012 {@code service restart}, every server is
     * stopped with its stop configuration (then killed after {@link #SHUTDOWN_GRACE}), then the
     * listener and the engine stop. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        shuttingDown = true;
        if (benchLines != null)
        {
            benchLines.close();
        }
        flushStates();
        closeSockets();
        final boolean detach = config.detachOnShutdown();
        final List<Thread> stops = new ArrayList<>();
        for (final ManagedServer server : servers())
        {
            final Thread stop = new Thread(() -> server.shutdown(SHUTDOWN_GRACE, detach), "tern-shutdown-" + server.uuid());
            stop.start();
            stops.add(stop);
        }
        for (final Thread stop : stops)
        {
            try
            {
                stop.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        sampler.close();
        transport.close();
        engine.close();
        states.close();
        controlWorkers.shutdownNow();
        try
        {
            controlWorkers.awaitTermination(1, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        LOG.info("stopped");
    }
}
