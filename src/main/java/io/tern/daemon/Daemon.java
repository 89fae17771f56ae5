package io.tern.daemon;

import io.tern.daemon.api.AdminApi;
import io.tern.daemon.config.DaemonConfig;
import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.server.ManagedServer;
import io.tern.daemon.server.RuntimeSettings;
import io.tern.daemon.server.StatsSampler;
import io.tern.engine.Engine;
import io.tern.engine.fanout.ServerChannel;
import io.tern.transport.TransportOptions;
import io.tern.transport.WebsocketServer;
import org.agrona.concurrent.EpochNanoClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * One running Tern node: the engine, the websocket/HTTP listener, every configured server with
 * its process runtime, and the stats sampler, started in that order and stopped in reverse.
 * The boot second (the token {@code iat} rule) is taken from the clock before anything listens.
 * Tests build a daemon in-process with their own clock.
 */
public final class Daemon implements AutoCloseable
{
    private static final Logger LOG = Logger.getLogger("tern.daemon");
    /** How long a graceful daemon stop waits for each server before killing it. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

    private final DaemonConfig config;
    private final long bootEpochSeconds;
    private final Engine engine;
    private final ExecutorService controlWorkers;
    private final StatsSampler sampler;
    private final Map<String, ManagedServer> servers = new LinkedHashMap<>();
    private final WebsocketServer transport;
    private boolean closed;

    private Daemon(final DaemonConfig config, final EpochNanoClock clock)
    {
        this.config = config;
        this.bootEpochSeconds = Math.floorDiv(clock.nanoTime(), 1_000_000_000L);
        this.engine = new Engine(config.toEngineConfig(), clock, config.token(), bootEpochSeconds);
        this.controlWorkers = Executors.newCachedThreadPool(daemonThreads("tern-control"));
        final RuntimeSettings settings = runtimeSettings(config);
        this.sampler = new StatsSampler(settings.statsInterval());
        for (final ServerDefinition definition : config.servers())
        {
            final ServerChannel channel = engine.newChannel(definition.uuid());
            final ManagedServer server = new ManagedServer(
                definition, config.serverDirectory(definition.uuid()), settings, channel, controlWorkers, clock);
            engine.registerServer(server, channel);
            sampler.add(server);
            servers.put(definition.uuid(), server);
        }
        final TransportOptions options = new TransportOptions();
        options.host = config.apiHost();
        options.port = config.apiPort();
        options.ioThreads = config.ioThreads();
        options.bufferSize = config.bufferSize();
        options.compression = config.compression();
        options.remote = config.remote();
        options.allowedOrigins = config.allowedOrigins();
        options.fallback = new AdminApi(engine, config.token());
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
        LOG.info("listening on " + config.apiHost() + ":" + daemon.port() + " with " + daemon.servers.size()
            + " server(s), profile " + config.profile().source());
        return daemon;
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
        return servers.get(uuid);
    }

    /**
     * @return every server, in config order.
     */
    public List<ManagedServer> servers()
    {
        return Collections.unmodifiableList(new ArrayList<>(servers.values()));
    }

    /**
     * @return the configuration.
     */
    public DaemonConfig config()
    {
        return config;
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
        catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
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
        closeSockets();
        final List<Thread> stops = new ArrayList<>();
        for (final ManagedServer server : servers.values())
        {
            final Thread stop = new Thread(() -> server.shutdown(SHUTDOWN_GRACE), "tern-shutdown-" + server.uuid());
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
