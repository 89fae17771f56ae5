package io.tern.engine.session;

import io.tern.engine.EngineConfig;
import io.tern.engine.protocol.Events;
import io.tern.engine.protocol.FrameEncoder;
import io.tern.engine.protocol.FrameKind;
import io.tern.engine.server.ServerHandle;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.EpochNanoClock;

import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The open sessions of one shard. {@link #create} may run on any thread (it only builds the
 * session); everything else belongs to the inbound handler thread, which registers sessions at
 * OPEN, iterates them on every tick and removes them at CLOSED (swap-remove, no allocation).
 */
public final class Sessions
{
    private final EngineConfig config;
    private final EpochNanoClock clock;
    /**
     * The time the outbound queues stamp write progress with: the engine clock as of the last
     * handler event, so writes and completions never read the system clock (the write timeout
     * is measured in seconds).
     */
    private final CachedNanoClock coarseClock = new CachedNanoClock();
    private final io.tern.engine.EngineCounters counters;
    private Session[] open = new Session[1024];
    private int size;

    /**
     * @param config the engine configuration (budgets, queue sizes).
     * @param clock  the engine clock.
     */
    public Sessions(final EngineConfig config, final EpochNanoClock clock)
    {
        this(config, clock, new io.tern.engine.EngineCounters());
    }

    /**
     * @param config   the engine configuration (budgets, queue sizes).
     * @param clock    the engine clock.
     * @param counters where sessions count dropped lines.
     */
    public Sessions(final EngineConfig config, final EpochNanoClock clock, final io.tern.engine.EngineCounters counters)
    {
        this.config = config;
        this.clock = clock;
        this.counters = counters;
        this.coarseClock.update(clock.nanoTime());
    }

    /**
     * How much earlier than a whole interval after opening a session is first pinged: spread over
     * the interval by its id, so sessions that connected together (a panel's reconnect storm, a
     * load run) are not pinged, and do not answer, all in the same tick every interval. The pong
     * timeout still counts from the open.
     *
     * @param id       the session id.
     * @param interval the ping interval in nanoseconds.
     * @return a phase in {@code [0, interval)}.
     */
    static long pingPhase(final int id, final long interval)
    {
        if (interval <= 0)
        {
            return 0;
        }
        return ((id * 0x9E3779B97F4A7C15L) >>> 1) % interval;
    }

    /**
     * Builds a session with its bounded outbound queue. Any thread.
     *
     * @param id     session id.
     * @param server the server.
     * @param sink   the transport writer.
     * @return the session, not yet registered.
     */
    public Session create(final int id, final ServerHandle server, final FrameSink sink)
    {
        final Session session = new Session(id, server, sink);
        final Outbound outbound = new Outbound(
            sink,
            coarseClock,
            config.outboundBudgetBytes,
            config.outboundQueueFrames,
            missed -> FrameEncoder.constant(Events.DAEMON_MESSAGE,
                "This connection could not keep up: " + missed + " console lines were not delivered.", FrameKind.ESSENTIAL),
            () -> close(session, 1013, "outbound queue overflow"));
        outbound.countDropsIn(counters.droppedLines);
        session.attach(outbound, clock.nanoTime(), pingPhase(id, config.pingIntervalMillis * 1_000_000L));
        sink.attach(session);
        return session;
    }

    /**
     * Moves the coarse clock the outbound queues use. Handler thread, on every event it reads the clock for.
     *
     * @param nowNanos the engine clock's current time.
     */
    public void updateCoarseClock(final long nowNanos)
    {
        coarseClock.update(nowNanos);
    }

    /**
     * Records a Pong. IO thread.
     *
     * @param session  the session.
     * @param nowNanos current time.
     */
    public void pong(final Session session, final long nowNanos)
    {
        session.onPong(nowNanos);
    }

    /**
     * Registers an opened session. Handler thread.
     *
     * @param session the session.
     */
    public void add(final Session session)
    {
        if (size == open.length)
        {
            open = java.util.Arrays.copyOf(open, size * 2);
        }
        session.index = size;
        open[size++] = session;
        counters.handlerGauges.lazySet(0, size);
    }

    /**
     * Unregisters a session. Handler thread.
     *
     * @param session the session.
     */
    public void remove(final Session session)
    {
        final int index = session.index;
        if (index < 0 || index >= size || open[index] != session)
        {
            return;
        }
        final Session last = open[--size];
        open[index] = last;
        last.index = index;
        open[size] = null;
        session.index = -1;
        counters.handlerGauges.lazySet(0, size);
    }

    /**
     * Visits every registered session. Handler thread.
     *
     * @param visitor the visitor.
     */
    public void forEach(final Consumer<Session> visitor)
    {
        for (int i = size - 1; i >= 0; i--)
        {
            visitor.accept(open[i]);
        }
    }

    /**
     * Closes every registered session matching {@code filter}. Handler thread.
     *
     * @param filter which sessions.
     * @param code   close code.
     * @param reason close reason.
     */
    public void closeWhere(final Predicate<Session> filter, final int code, final String reason)
    {
        for (int i = size - 1; i >= 0; i--)
        {
            final Session session = open[i];
            if (filter.test(session))
            {
                close(session, code, reason);
            }
        }
    }

    /**
     * Stops forwarding to the session and sends a Close frame; the transport reports the end of
     * the connection afterwards. Any thread.
     *
     * @param session the session.
     * @param code    close code.
     * @param reason  close reason.
     */
    public static void close(final Session session, final int code, final String reason)
    {
        if (!session.isClosed())
        {
            session.markClosed();
            session.sink().close(code, reason);
        }
    }

    /**
     * @return number of registered sessions.
     */
    public int size()
    {
        return size;
    }
}
