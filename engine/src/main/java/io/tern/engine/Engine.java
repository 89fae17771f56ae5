package io.tern.engine;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventTranslatorTwoArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.tern.engine.auth.Denylist;
import io.tern.engine.auth.TokenException;
import io.tern.engine.auth.TokenVerifier;
import io.tern.engine.auth.VerifiedToken;
import io.tern.engine.fanout.FanoutAgent;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.inbound.InboundEvent;
import io.tern.engine.inbound.InboundHandler;
import io.tern.engine.server.ServerControl;
import io.tern.engine.server.ServerHandle;
import io.tern.engine.session.FrameSink;
import io.tern.engine.session.Session;
import io.tern.engine.session.Sessions;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The websocket event core, wired: the inbound Disruptor ring with its single handler thread,
 * the fan-out agent, the tick that drives session timers, and the registry of servers.
 *
 * <p>The transport calls the {@code on…} methods from its IO threads; each copies what it needs
 * into a preallocated ring slot and returns, never blocking on engine work. The daemon registers
 * servers and publishes through their {@link ServerChannel}s.
 */
public final class Engine implements AutoCloseable
{
    private static final EventTranslatorTwoArg<InboundEvent, Session, ByteBuffer[]> TEXT = InboundHandler::fillText;

    private final EngineConfig config;
    private final EpochNanoClock clock;
    private final TokenVerifier verifier;
    private final Denylist denylist;
    private final ConcurrentHashMap<String, ServerHandle> servers = new ConcurrentHashMap<>();
    private final AtomicInteger sessionIds = new AtomicInteger();
    private final AtomicLong inboundOverflows = new AtomicLong();
    private final EngineCounters counters = new EngineCounters();
    private final ManyToOneConcurrentLinkedQueue<Session> lateCloses = new ManyToOneConcurrentLinkedQueue<>();
    private final Sessions sessions;
    private final Disruptor<InboundEvent> disruptor;
    private final RingBuffer<InboundEvent> ring;
    private final FanoutAgent[] fanouts;
    private final AgentRunner[] fanoutRunners;
    /** Servers per fan-out agent, so a new server goes to the least loaded one; guarded by itself. */
    private final int[] serversPerFanout;
    private final ScheduledExecutorService ticker;

    /**
     * @param config           the engine's tunables.
     * @param clock            the time source for limits, expiry and timers (injected so tests drive it).
     * @param tokenKey         the node token: the HS256 key of websocket JWTs.
     * @param bootEpochSeconds the daemon's start second; tokens issued at or before it are refused.
     */
    public Engine(final EngineConfig config, final EpochNanoClock clock, final byte[] tokenKey, final long bootEpochSeconds)
    {
        this.config = config;
        this.clock = clock;
        this.denylist = new Denylist(bootEpochSeconds);
        this.verifier = new TokenVerifier(tokenKey, config.requireScope, denylist);
        this.sessions = new Sessions(config, clock, counters);
        final int agents = config.fanoutThreads > 0
            ? config.fanoutThreads
            : Math.min(4, Runtime.getRuntime().availableProcessors());
        this.fanouts = new FanoutAgent[agents];
        this.fanoutRunners = new AgentRunner[agents];
        this.serversPerFanout = new int[agents];
        for (int i = 0; i < agents; i++)
        {
            fanouts[i] = new FanoutAgent(config.appName, counters);
            fanoutRunners[i] = new AgentRunner(FanoutAgent.idleStrategy(config.fanoutIdle), Throwable::printStackTrace, null, fanouts[i]);
        }
        this.disruptor = new Disruptor<>(
            InboundEvent::new, config.ringSize, r -> daemonThread(r, "tern-inbound"), ProducerType.MULTI,
            waitStrategy(config.waitStrategy));
        this.disruptor.handleEventsWith(new InboundHandler(config, clock, verifier, sessions, fanouts, counters, lateCloses));
        this.ring = disruptor.getRingBuffer();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "tern-tick"));
    }

    private static Thread daemonThread(final Runnable runnable, final String name)
    {
        final Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    private static WaitStrategy waitStrategy(final String name)
    {
        switch (name)
        {
            case "blocking":
                return new BlockingWaitStrategy();
            case "sleeping":
                return new SleepingWaitStrategy();
            case "yielding":
                return new YieldingWaitStrategy();
            case "busy-spin":
                return new BusySpinWaitStrategy();
            default:
                throw new IllegalArgumentException(
                    "engine.wait_strategy must be blocking, sleeping, yielding or busy-spin, not '" + name + "'");
        }
    }

    /**
     * Starts the handler thread, the fan-out agent and the tick.
     */
    public void start()
    {
        disruptor.start();
        for (int i = 0; i < fanoutRunners.length; i++)
        {
            final String name = fanoutRunners.length == 1 ? "tern-fanout" : "tern-fanout-" + i;
            AgentRunner.startOnThread(fanoutRunners[i], r -> daemonThread(r, name));
        }
        ticker.scheduleAtFixedRate(this::tick, config.tickIntervalMillis, config.tickIntervalMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Publishes one timer tick into the ring now (the ticker does this every
     * {@link EngineConfig#tickIntervalMillis}); tests call it after moving their clock.
     */
    public void tick()
    {
        ring.publishEvent(InboundEvent::fillTick);
    }

    /**
     * Runs {@code task} on the handler thread, in order with inbound frames. May allocate.
     *
     * @param task the work; exceptions are logged, never propagated.
     */
    public void execute(final Runnable task)
    {
        ring.publishEvent(InboundEvent::fillTask, task);
    }

    /**
     * Registers a server with a new channel so its websocket route exists.
     *
     * @param control the daemon's control of the server.
     * @return the channel to publish the server's console, stats and state changes through.
     */
    public ServerChannel registerServer(final ServerControl control)
    {
        final ServerChannel channel = newChannel(control.uuid());
        registerServer(control, channel);
        return channel;
    }

    /**
     * Builds a broadcast channel sized by {@link EngineConfig#broadcastCapacity}, for a server
     * whose control needs its channel before it can be registered.
     *
     * @param uuid the server's uuid.
     * @return the channel.
     */
    public ServerChannel newChannel(final String uuid)
    {
        return new ServerChannel(uuid, config.broadcastCapacity, config.appName);
    }

    /**
     * Registers a server so its websocket route exists.
     *
     * @param control the daemon's control of the server.
     * @param channel the server's channel, from {@link #newChannel(String)}.
     */
    public void registerServer(final ServerControl control, final ServerChannel channel)
    {
        final int shard;
        synchronized (serversPerFanout)
        {
            if (servers.containsKey(control.uuid()))
            {
                throw new IllegalArgumentException("server " + control.uuid() + " is already registered");
            }
            int least = 0;
            for (int i = 1; i < serversPerFanout.length; i++)
            {
                if (serversPerFanout[i] < serversPerFanout[least])
                {
                    least = i;
                }
            }
            shard = least;
            final ServerHandle handle = new ServerHandle(control, channel, config.maxConnectionsPerServer, shard);
            servers.put(control.uuid(), handle);
            serversPerFanout[shard]++;
            fanouts[shard].addServer(handle);
        }
    }

    /**
     * @param uuid a server uuid, compared exactly.
     * @return the registered server or {@code null}.
     */
    public ServerHandle server(final String uuid)
    {
        return servers.get(uuid);
    }

    /**
     * @return every registered server.
     */
    public Collection<ServerHandle> servers()
    {
        return servers.values();
    }

    /**
     * Verifies a token presented at the upgrade ({@code ?token=} or {@code Authorization: Bearer}),
     * with every check of {@code auth} including the server uuid. IO thread; allocates.
     *
     * @param serverUuid the server of the requested route.
     * @param jwt        the token.
     * @return the verified token.
     * @throws TokenException with the protocol error text when it is refused.
     */
    public VerifiedToken verifyUpgradeToken(final String serverUuid, final String jwt) throws TokenException
    {
        return verifier.verifyForServer(jwt, serverUuid, clock.nanoTime());
    }

    /**
     * Creates the session of a freshly upgraded connection whose slot was reserved with
     * {@link ServerHandle#tryReserveConnection()}. The handler then applies the suspension gate
     * (Close 4409), the auth timeout, and, for {@code preAuth}, the first-auth sequence.
     *
     * @param server  the server.
     * @param sink    the connection's writer.
     * @param preAuth a token verified at the upgrade, or {@code null}.
     * @return the session; pass it to the other {@code on…} methods.
     */
    public Session openSession(final ServerHandle server, final FrameSink sink, final VerifiedToken preAuth)
    {
        final Session session = sessions.create(sessionIds.incrementAndGet(), server, sink);
        if (!ring.tryPublishEvent(InboundEvent::fillOpen, session, preAuth))
        {
            overloaded(session);
        }
        return session;
    }

    /**
     * A complete text message arrived. IO thread; copies the bytes into a ring slot, or closes the
     * connection with 1013 when the ring is full (never waits).
     *
     * @param session the connection.
     * @param payload the message bytes (already inflated); not retained.
     */
    public void onText(final Session session, final ByteBuffer[] payload)
    {
        if (!ring.tryPublishEvent(TEXT, session, payload))
        {
            overloaded(session);
        }
    }

    /**
     * The ring is full: the handler is far behind. An IO thread never waits for it, and a
     * message is never dropped silently, so the connection is closed with 1013 (try again later).
     */
    private void overloaded(final Session session)
    {
        inboundOverflows.incrementAndGet();
        Sessions.close(session, 1013, "server overloaded");
    }

    /**
     * @return connections closed because the inbound ring was full.
     */
    public long inboundOverflows()
    {
        return inboundOverflows.get();
    }

    /**
     * A binary message arrived, or a text message over the 32 KiB decompressed limit: it counts
     * against the global limiter, then is dropped. IO thread.
     *
     * @param session the connection.
     */
    public void onIgnoredMessage(final Session session)
    {
        if (!ring.tryPublishEvent(InboundEvent::fillIgnored, session))
        {
            overloaded(session);
        }
    }

    /**
     * A Pong arrived. IO thread.
     *
     * @param session the connection.
     */
    public void onPong(final Session session)
    {
        sessions.pong(session, clock.nanoTime());
    }

    /**
     * The connection ended (either side). Releases its connection slot. IO thread.
     *
     * @param session the connection.
     */
    public void onClosed(final Session session)
    {
        if (!ring.tryPublishEvent(InboundEvent::fillClosed, session))
        {
            // Never park an IO thread: the handler picks the close up from the side queue.
            lateCloses.offer(session);
        }
    }

    /**
     * @return the token denylists, for the admin API.
     */
    public Denylist denylist()
    {
        return denylist;
    }

    /**
     * @return the engine's clock.
     */
    public EpochNanoClock clock()
    {
        return clock;
    }

    /**
     * @return the configuration the engine was built with.
     */
    public EngineConfig config()
    {
        return config;
    }

    /**
     * Closes every session of {@code serverUuid} (or of every server when {@code null}) with a
     * Close frame. Runs on the handler thread.
     *
     * @param serverUuid the server, or {@code null} for all.
     * @param code       close code.
     * @param reason     close reason.
     * @return completes once every Close frame has been handed to the transport.
     */
    public CompletableFuture<Void> closeSessions(final String serverUuid, final int code, final String reason)
    {
        return closeSessionsWhere(s -> serverUuid == null || s.server().uuid().equals(serverUuid), code, reason);
    }

    /**
     * Closes every session matching {@code filter} with a Close frame. The filter runs on the
     * handler thread, so it may read the session's token (e.g. {@code s.token.userUuid()}).
     *
     * @param filter which sessions.
     * @param code   close code.
     * @param reason close reason.
     * @return completes once every Close frame has been handed to the transport.
     */
    public CompletableFuture<Void> closeSessionsWhere(final Predicate<Session> filter, final int code, final String reason)
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        execute(() ->
        {
            sessions.closeWhere(filter, code, reason);
            done.complete(null);
        });
        return done;
    }

    /**
     * Deletes a server (PROTOCOL.md §7 with Part I.3 item 4): each of its sessions gets
     * {@code deleted ["null"]} then, once that is written, Close 1001 {@code server deleted};
     * the route disappears at once, so new upgrades get 404.
     *
     * @param uuid the server.
     * @return completes once every session was told; {@code false} when the server was unknown.
     */
    public CompletableFuture<Boolean> deleteServer(final String uuid)
    {
        final ServerHandle handle = servers.remove(uuid);
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
        if (handle == null)
        {
            done.complete(false);
            return done;
        }
        synchronized (serversPerFanout)
        {
            serversPerFanout[handle.fanoutShard()]--;
        }
        fanouts[handle.fanoutShard()].removeServer(uuid);
        execute(() ->
        {
            sessions.forEach(session ->
            {
                if (session.server() == handle && !session.isClosed())
                {
                    session.forwardPermissions(0);
                    session.outbound().offer(InboundHandler.DELETED);
                    session.markClosed();
                    session.outbound().closeWhenDrained(1001, "server deleted");
                }
            });
            done.complete(true);
        });
        return done;
    }

    /**
     * @return the counters behind {@code /metrics}.
     */
    public EngineCounters counters()
    {
        return counters;
    }

    /**
     * @return how many times a fan-out receiver was lapped (records lost and reported).
     */
    public long broadcastLaps()
    {
        long laps = 0;
        for (final FanoutAgent agent : fanouts)
        {
            laps += agent.laps();
        }
        return laps;
    }

    /**
     * @return inbound ring slots in use right now.
     */
    public long ringOccupancy()
    {
        return ring.getBufferSize() - ring.remainingCapacity();
    }

    /**
     * @return inbound ring slots in all.
     */
    public int ringCapacity()
    {
        return ring.getBufferSize();
    }

    /**
     * Stops the tick, the handler and the fan-out. Sessions are not closed here; the daemon
     * closes them (1012) first.
     */
    @Override
    public void close()
    {
        ticker.shutdownNow();
        disruptor.shutdown();
        for (final AgentRunner runner : fanoutRunners)
        {
            runner.close();
        }
    }
}
