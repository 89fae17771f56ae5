package io.tern.engine.inbound;

import com.lmax.disruptor.EventHandler;
import io.tern.engine.EngineConfig;
import io.tern.engine.EngineCounters;
import io.tern.engine.auth.Permissions;
import io.tern.engine.auth.TokenException;
import io.tern.engine.auth.TokenVerifier;
import io.tern.engine.auth.VerifiedToken;
import io.tern.engine.fanout.FanoutAgent;
import io.tern.engine.protocol.Events;
import io.tern.engine.protocol.Frame;
import io.tern.engine.protocol.FrameEncoder;
import io.tern.engine.protocol.FrameKind;
import io.tern.engine.protocol.FramePool;
import io.tern.engine.protocol.InboundDecoder;
import io.tern.engine.ratelimit.TokenBucket;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ResourceUsage;
import io.tern.engine.server.ServerControl;
import io.tern.engine.server.ServerState;
import io.tern.engine.session.Session;
import io.tern.engine.session.Sessions;
import org.agrona.AsciiSequenceView;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The single thread that owns session state: it takes inbound ring slots in arrival order
 * (Part I.3 item 1) and applies, per message, the global limiter, the decoder, the suspension
 * gate, the per-event limiter, the token check and dispatch (PROTOCOL.md §1.4, §2.3); on ticks it
 * runs the session timers (auth timeout, token expiring/expired, re-auth grace, pings, write
 * stalls). Nothing here blocks: commands and power actions are handed to the server's control.
 * Non-{@code auth} frames are handled without allocation.
 */
public final class InboundHandler implements EventHandler<InboundEvent>
{
    /** Largest decompressed message handled (§1.4 step 2); larger ones are dropped. */
    public static final int MAX_MESSAGE = 32768;

    static final String GENERIC_ERROR = "an unexpected error was encountered while handling this request";
    static final String LOCKED = "another power action is currently being processed for this server, please try again later";

    private static final Logger LOG = Logger.getLogger("tern.inbound");
    private static final Frame AUTH_SUCCESS = FrameEncoder.constant(Events.AUTH_SUCCESS, null, FrameKind.ESSENTIAL);
    private static final Frame TOKEN_EXPIRING = FrameEncoder.constant(Events.TOKEN_EXPIRING, null, FrameKind.ESSENTIAL);
    private static final Frame TOKEN_EXPIRED = FrameEncoder.constant(Events.TOKEN_EXPIRED, null, FrameKind.ESSENTIAL);
    /** {@code deleted ["null"]}, sent to a deleted server's sessions before Close 1001. */
    public static final Frame DELETED = FrameEncoder.constant(Events.DELETED, "null", FrameKind.ESSENTIAL);
    private static final Frame THROTTLED_GLOBAL = FrameEncoder.constant(Events.THROTTLED, "global", FrameKind.ESSENTIAL);
    private static final Frame[] JWT_ERRORS = {
        FrameEncoder.constant(Events.JWT_ERROR, TokenVerifier.NO_JWT, FrameKind.ESSENTIAL),
        FrameEncoder.constant(Events.JWT_ERROR, TokenVerifier.EXPIRED, FrameKind.ESSENTIAL),
        FrameEncoder.constant(Events.JWT_ERROR, TokenVerifier.DENYLISTED, FrameKind.ESSENTIAL),
        FrameEncoder.constant(Events.JWT_ERROR, TokenVerifier.MISSING_CONNECT, FrameKind.ESSENTIAL),
        FrameEncoder.constant(Events.JWT_ERROR, TokenVerifier.SERVER_MISMATCH, FrameKind.ESSENTIAL),
    };

    private final EngineConfig config;
    private final EpochNanoClock clock;
    private final TokenVerifier verifier;
    private final Sessions sessions;
    private final FanoutAgent[] fanouts;
    private final EngineCounters counters;
    private final ManyToOneConcurrentLinkedQueue<Session> lateCloses;
    private final InboundDecoder decoder = new InboundDecoder();
    private final FramePool pool = new FramePool(1024);
    private final FrameEncoder encoder = new FrameEncoder(pool);
    private final ResourceUsage usage = new ResourceUsage();
    private final UnsafeBuffer argsView = new UnsafeBuffer(new byte[0]);
    private final AsciiSequenceView argsSequence = new AsciiSequenceView();
    private final HistoryReplay historyReplay = new HistoryReplay();
    private final long authTimeoutNanos;
    private final long reauthGraceNanos;
    private final long pingIntervalNanos;
    private final long pongTimeoutNanos;
    private final long writeTimeoutNanos;

    /**
     * @param config   tunables.
     * @param clock    the injected clock.
     * @param verifier token checks.
     * @param sessions the shard's sessions.
     * @param fanout   the shard's fan-out agent (subscriptions, status frames).
     * @param counters metrics.
     */
    public InboundHandler(
        final EngineConfig config,
        final EpochNanoClock clock,
        final TokenVerifier verifier,
        final Sessions sessions,
        final FanoutAgent fanout,
        final EngineCounters counters)
    {
        this(config, clock, verifier, sessions, new FanoutAgent[] {fanout}, counters, new ManyToOneConcurrentLinkedQueue<>());
    }

    /**
     * @param config     tunables.
     * @param clock      the injected clock.
     * @param verifier   token checks.
     * @param sessions   the shard's sessions.
     * @param fanouts    the fan-out agents, indexed by {@link io.tern.engine.server.ServerHandle#fanoutShard()}.
     * @param counters   metrics.
     * @param lateCloses connection ends the IO threads could not publish into a full ring.
     */
    public InboundHandler(
        final EngineConfig config,
        final EpochNanoClock clock,
        final TokenVerifier verifier,
        final Sessions sessions,
        final FanoutAgent[] fanouts,
        final EngineCounters counters,
        final ManyToOneConcurrentLinkedQueue<Session> lateCloses)
    {
        this.lateCloses = lateCloses;
        this.counters = counters;
        this.config = config;
        this.clock = clock;
        this.verifier = verifier;
        this.sessions = sessions;
        this.fanouts = fanouts.clone();
        this.authTimeoutNanos = config.authTimeoutMillis * 1_000_000L;
        this.reauthGraceNanos = config.reauthGraceMillis * 1_000_000L;
        this.pingIntervalNanos = config.pingIntervalMillis * 1_000_000L;
        this.pongTimeoutNanos = config.pongTimeoutMillis * 1_000_000L;
        this.writeTimeoutNanos = config.writeTimeoutMillis * 1_000_000L;
    }

    /**
     * Ring translator for text messages: copies the bytes into the slot. IO thread.
     *
     * @param event    the slot.
     * @param sequence its sequence.
     * @param session  the connection.
     * @param payload  the message buffers.
     */
    public static void fillText(final InboundEvent event, final long sequence, final Session session, final ByteBuffer[] payload)
    {
        event.clear();
        event.type = InboundEvent.TEXT;
        event.session = session;
        event.copyFrom(payload);
    }

    @Override
    public void onEvent(final InboundEvent event, final long sequence, final boolean endOfBatch)
    {
        Session late;
        while ((late = lateCloses.poll()) != null)
        {
            onClosed(late);
        }
        try
        {
            switch (event.type)
            {
                case InboundEvent.OPEN:
                    onOpen(event.session, event.preAuth);
                    break;
                case InboundEvent.TEXT:
                    onText(event.session, event.payload, event.length);
                    break;
                case InboundEvent.BINARY:
                case InboundEvent.OVERSIZE:
                    onIgnored(event.session);
                    break;
                case InboundEvent.CLOSED:
                    onClosed(event.session);
                    break;
                case InboundEvent.TICK:
                {
                    final long now = clock.nanoTime();
                    sessions.updateCoarseClock(now);
                    onTick(now);
                    break;
                }
                case InboundEvent.TASK:
                    event.task.run();
                    break;
                default:
                    break;
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.log(Level.WARNING, "inbound handler failed on event type " + event.type + ": " + ex, ex);
        }
        finally
        {
            event.clear();
        }
    }

    private void onOpen(final Session session, final VerifiedToken preAuth)
    {
        if (session.isClosed())
        {
            return;
        }
        sessions.add(session);
        if (session.server().control().isSuspended())
        {
            Sessions.close(session, 4409, "server is suspended");
            return;
        }
        if (preAuth != null)
        {
            acceptToken(session, preAuth);
        }
    }

    private void onClosed(final Session session)
    {
        if (session.released)
        {
            return;
        }
        session.released = true;
        if (session.token != null)
        {
            EngineCounters.add(counters.handlerGauges, 1, -1);
        }
        sessions.remove(session);
        session.markClosed();
        fanoutOf(session).unsubscribe(session);
        session.outbound().close();
        session.server().releaseConnection();
    }

    private FanoutAgent fanoutOf(final Session session)
    {
        return fanouts[session.server().fanoutShard() % fanouts.length];
    }

    private void onIgnored(final Session session)
    {
        if (!session.isClosed())
        {
            allowedByGlobalLimiter(session, clock.nanoTime());
        }
    }

    private boolean allowedByGlobalLimiter(final Session session, final long now)
    {
        if (session.global.tryTake(now))
        {
            return true;
        }
        EngineCounters.increment(counters.rateLimited, 0);
        if (session.global.markThrottled())
        {
            send(session, THROTTLED_GLOBAL, EngineCounters.OUT_THROTTLED);
        }
        return false;
    }

    private void onText(final Session session, final byte[] payload, final int length)
    {
        if (session.isClosed())
        {
            return;
        }
        final long now = clock.nanoTime();
        sessions.updateCoarseClock(now);
        if (!allowedByGlobalLimiter(session, now) || length > MAX_MESSAGE)
        {
            return;
        }
        if (!decoder.decode(payload, length))
        {
            EngineCounters.increment(counters.framesIn, 0);
            return;
        }
        EngineCounters.increment(counters.framesIn, decoder.eventId());
        final ServerControl control = session.server().control();
        if (control.isSuspended())
        {
            Sessions.close(session, 4409, "server is suspended");
            return;
        }
        final int eventId = decoder.eventId();
        final TokenBucket bucket = bucketFor(session, eventId);
        if (!bucket.tryTake(now))
        {
            EngineCounters.increment(counters.rateLimited, 1);
            if (bucket.markThrottled())
            {
                send(session, encoder.encode(Events.THROTTLED, decoder.eventName(), 0, decoder.eventNameLength(), FrameKind.ESSENTIAL),
                    EngineCounters.OUT_THROTTLED);
            }
            return;
        }
        if (eventId == Events.IN_AUTH)
        {
            onAuth(session, now);
            return;
        }
        if (!tokenStillValid(session, now))
        {
            return;
        }
        switch (eventId)
        {
            case Events.IN_SEND_LOGS:
                historyReplay.session = session;
                control.replayHistory(historyReplay);
                historyReplay.session = null;
                break;
            case Events.IN_SEND_STATS:
                sendStats(session, control);
                break;
            case Events.IN_SEND_COMMAND:
                onSendCommand(session, control);
                break;
            case Events.IN_SET_STATE:
                onSetState(session, control);
                break;
            default:
                break;
        }
    }

    private static TokenBucket bucketFor(final Session session, final int eventId)
    {
        switch (eventId)
        {
            case Events.IN_AUTH:
                return session.authBucket;
            case Events.IN_SEND_LOGS:
                return session.logsBucket;
            case Events.IN_SEND_COMMAND:
                return session.commandBucket;
            default:
                return session.defaultBucket;
        }
    }

    /**
     * The §3.3 check before dispatching a non-auth event. On failure the client gets the raw
     * {@code jwt error}; an expiry or denial also pauses forwarding (Part I.3 item 3).
     */
    private boolean tokenStillValid(final Session session, final long now)
    {
        if (session.token == null)
        {
            send(session, JWT_ERRORS[0], EngineCounters.OUT_JWT_ERROR);
            return false;
        }
        final String failure = verifier.failure(session.token, now);
        if (failure == null)
        {
            return true;
        }
        pauseForwarding(session);
        send(session, jwtErrorFrame(failure), EngineCounters.OUT_JWT_ERROR);
        return false;
    }

    private void pauseForwarding(final Session session)
    {
        session.invalidNotified = true;
        session.forwardPermissions(0);
    }

    private static Frame jwtErrorFrame(final String message)
    {
        switch (message)
        {
            case TokenVerifier.EXPIRED:
                return JWT_ERRORS[1];
            case TokenVerifier.DENYLISTED:
                return JWT_ERRORS[2];
            case TokenVerifier.MISSING_CONNECT:
                return JWT_ERRORS[3];
            case TokenVerifier.SERVER_MISMATCH:
                return JWT_ERRORS[4];
            default:
                return JWT_ERRORS[0];
        }
    }

    private void onAuth(final Session session, final long now)
    {
        final String jwt = new String(decoder.argsBytes(), 0, decoder.argsLength(), StandardCharsets.UTF_8);
        final VerifiedToken token;
        try
        {
            token = verifier.verifyForServer(jwt, session.server().uuid(), now);
        }
        catch (final TokenException ex)
        {
            sendError(session, ex.getMessage(), ex.isJwtError(), canSeeErrors(session));
            return;
        }
        acceptToken(session, token);
    }

    private void acceptToken(final Session session, final VerifiedToken token)
    {
        final boolean first = session.token == null;
        session.token = token;
        session.expiringSent = false;
        session.invalidNotified = false;
        session.forwardPermissions(token.permissions() | Permissions.CONNECT);
        send(session, AUTH_SUCCESS, EngineCounters.OUT_AUTH_SUCCESS);
        if (!first)
        {
            return;
        }
        EngineCounters.add(counters.handlerGauges, 1, 1);
        final ServerControl control = session.server().control();
        final ServerState state = control.state();
        send(session, fanoutOf(session).statusFrame(state), EngineCounters.OUT_STATUS);
        // After the status is queued: the agent corrects it if the state changed before the subscription took effect.
        fanoutOf(session).subscribe(session, state);
        if (state == ServerState.OFFLINE)
        {
            sendStats(session, control);
        }
    }

    private void sendStats(final Session session, final ServerControl control)
    {
        control.readUsage(usage);
        send(session, encoder.encodeStats(usage, FrameKind.STATS), EngineCounters.OUT_STATS);
    }

    private void onSendCommand(final Session session, final ServerControl control)
    {
        if (!session.token.has(Permissions.CONSOLE))
        {
            return;
        }
        if (control.sendCommand(decoder.argsBytes(), 0, decoder.argsLength()) == ServerControl.CommandResult.NOT_ATTACHED)
        {
            sendError(session, "cannot send command to process: not attached to instance", false, canSeeErrors(session));
        }
    }

    private void onSetState(final Session session, final ServerControl control)
    {
        argsView.wrap(decoder.argsBytes(), 0, decoder.argsLength());
        argsSequence.wrap(argsView, 0, decoder.argsLength());
        final PowerAction action = PowerAction.fromWireName(argsSequence);
        final boolean detailed = canSeeErrors(session);
        if (action == null)
        {
            sendError(session, "attempting to handle unknown power action", false, detailed);
            return;
        }
        if (!session.token.has(permissionBit(action)))
        {
            return;
        }
        final ServerControl.PowerResult result = control.power(action, detail -> offerError(session, detail, false, detailed));
        switch (result)
        {
            case ACCEPTED:
                return;
            case LOCKED:
                sendError(session, LOCKED, false, true);
                return;
            case INSTALLING:
                sendError(session, "server is currently installing", false, detailed);
                return;
            case ALREADY_RUNNING:
                sendError(session, "server is running", false, detailed);
                return;
            case SUSPENDED:
                Sessions.close(session, 4409, "server is suspended");
                return;
            default:
                sendError(session, result.name(), false, detailed);
        }
    }

    private static int permissionBit(final PowerAction action)
    {
        switch (action)
        {
            case START:
                return Permissions.START;
            case RESTART:
                return Permissions.RESTART;
            default:
                return Permissions.STOP;
        }
    }

    private static boolean canSeeErrors(final Session session)
    {
        return session.token != null && session.token.has(Permissions.ADMIN_ERRORS);
    }

    /**
     * The §3.8 error reply: {@code Error Event [<uuid>]: <text>}, as {@code jwt error} for JWT
     * errors, else {@code daemon error} with the detail only for {@code admin.websocket.errors}.
     * Any thread (power failures arrive from control workers); allocates, errors are rare.
     */
    private void sendError(final Session session, final String detail, final boolean jwtError, final boolean detailed)
    {
        EngineCounters.increment(counters.framesOut, jwtError ? EngineCounters.OUT_JWT_ERROR : EngineCounters.OUT_DAEMON_ERROR);
        offerError(session, detail, jwtError, detailed);
    }

    static void offerError(final Session session, final String detail, final boolean jwtError, final boolean detailed)
    {
        final String id = UUID.randomUUID().toString();
        final String message = jwtError || detailed ? detail : GENERIC_ERROR;
        if (!jwtError)
        {
            LOG.warning("session " + session.id() + " on server " + session.server().uuid()
                + ": error_identifier=" + id + " " + detail);
        }
        final Frame frame = FrameEncoder.constant(jwtError ? Events.JWT_ERROR : Events.DAEMON_ERROR,
            "Error Event [" + id + "]: " + message, FrameKind.ESSENTIAL);
        session.outbound().offer(frame);
    }

    private void send(final Session session, final Frame frame, final int counter)
    {
        EngineCounters.increment(counters.framesOut, counter);
        session.outbound().offer(frame);
    }

    private void onTick(final long now)
    {
        sessions.forEach(session -> checkTimers(session, now));
    }

    private void checkTimers(final Session session, final long now)
    {
        if (session.isClosed())
        {
            // A close waiting for the queue to drain (e.g. deletion) must not wait on a peer that stopped reading.
            if (session.outbound().isStalled(now, writeTimeoutNanos))
            {
                session.sink().close(1013, "write timeout");
            }
            return;
        }
        if (session.outbound().isStalled(now, writeTimeoutNanos))
        {
            Sessions.close(session, 1013, "write timeout");
            return;
        }
        if (now - session.lastPongNanos() > pongTimeoutNanos)
        {
            Sessions.close(session, 1001, "ping timeout");
            return;
        }
        if (now - session.lastPingNanos >= pingIntervalNanos)
        {
            session.lastPingNanos = now;
            session.sink().ping();
        }
        final VerifiedToken token = session.token;
        if (token == null)
        {
            if (now - session.openedNanos > authTimeoutNanos)
            {
                Sessions.close(session, 1008, "authentication timeout");
            }
            return;
        }
        final long expNanos = token.expiresAtSeconds() * 1_000_000_000L;
        if (now >= expNanos)
        {
            if (!session.invalidNotified)
            {
                pauseForwarding(session);
                send(session, TOKEN_EXPIRED, EngineCounters.OUT_TOKEN_EXPIRED);
            }
            if (now - expNanos > reauthGraceNanos)
            {
                Sessions.close(session, 4401, "token expired");
            }
            return;
        }
        if (!session.expiringSent && expNanos - now <= 60_000_000_000L)
        {
            session.expiringSent = true;
            send(session, TOKEN_EXPIRING, EngineCounters.OUT_TOKEN_EXPIRING);
        }
        if (!session.invalidNotified)
        {
            final String failure = verifier.failure(token, now);
            if (failure != null)
            {
                pauseForwarding(session);
                send(session, jwtErrorFrame(failure), EngineCounters.OUT_JWT_ERROR);
            }
        }
    }

    /** Encodes replayed history lines as {@code console output} for one session. Handler thread. */
    private final class HistoryReplay implements ServerControl.HistoryConsumer
    {
        Session session;

        @Override
        public void onLine(final byte[] utf8, final int offset, final int length)
        {
            send(session, encoder.encode(Events.CONSOLE_OUTPUT, utf8, offset, length, FrameKind.LINE), EngineCounters.OUT_CONSOLE);
        }
    }
}
