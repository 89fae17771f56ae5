package io.tern.engine.testing;

import io.tern.engine.EngineConfig;
import io.tern.engine.auth.Denylist;
import io.tern.engine.auth.TokenVerifier;
import io.tern.engine.auth.VerifiedToken;
import io.tern.engine.fanout.FanoutAgent;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.inbound.InboundEvent;
import io.tern.engine.inbound.InboundHandler;
import io.tern.engine.server.ServerHandle;
import io.tern.engine.session.Session;
import io.tern.engine.session.Sessions;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Drives the inbound handler and the fan-out agent synchronously on the test thread with a
 * manual clock: every call is one ring slot, processed at once, so tests are deterministic.
 */
public final class HandlerHarness
{
    public static final String SERVER = "0b7e3d8a-1111-4222-8333-444455556666";

    public final EngineConfig config;
    public final ManualClock clock;
    public final Denylist denylist;
    public final TokenVerifier verifier;
    public final Sessions sessions;
    public final FanoutAgent fanout;
    public final io.tern.engine.EngineCounters counters = new io.tern.engine.EngineCounters();
    public final InboundHandler handler;
    public final TestServerControl control = new TestServerControl(SERVER);
    public final ServerChannel channel;
    public final ServerHandle server;
    private final InboundEvent slot = new InboundEvent();
    private int nextId;

    public HandlerHarness()
    {
        this(new EngineConfig());
    }

    public HandlerHarness(final EngineConfig config)
    {
        this.config = config;
        this.clock = new ManualClock(1_800_000_000L);
        this.denylist = new Denylist(clock.epochSeconds() - 100);
        this.verifier = new TokenVerifier(TestTokens.KEY.getBytes(StandardCharsets.UTF_8), config.requireScope, denylist);
        this.sessions = new Sessions(config, clock, counters);
        this.fanout = new FanoutAgent(config.appName, counters);
        this.handler = new InboundHandler(config, clock, verifier, sessions, fanout, counters);
        this.channel = new ServerChannel(SERVER, 64 * 1024, config.appName);
        this.server = new ServerHandle(control, channel, config.maxConnectionsPerServer);
        fanout.addServer(server);
        fanout.doWork();
    }

    public TestTokens token()
    {
        return TestTokens.token(SERVER, clock.epochSeconds());
    }

    public RecordingSink open()
    {
        return open(null);
    }

    public RecordingSink open(final VerifiedToken preAuth)
    {
        final RecordingSink sink = new RecordingSink();
        server.tryReserveConnection();
        final Session session = sessions.create(++nextId, server, sink);
        sink.session = session;
        sink.onPing = () -> sessions.pong(session, clock.nanoTime());
        InboundEvent.fillOpen(slot, 0, session, preAuth);
        handler.onEvent(slot, 0, true);
        fanout.doWork();
        return sink;
    }

    public void send(final RecordingSink sink, final String text)
    {
        InboundHandler.fillText(slot, 0, sink.session, new ByteBuffer[] {ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))});
        handler.onEvent(slot, 0, true);
        fanout.doWork();
    }

    public void sendBinary(final RecordingSink sink)
    {
        InboundEvent.fillIgnored(slot, 0, sink.session);
        handler.onEvent(slot, 0, true);
    }

    public void close(final RecordingSink sink)
    {
        InboundEvent.fillClosed(slot, 0, sink.session);
        handler.onEvent(slot, 0, true);
        fanout.doWork();
    }

    public void tick()
    {
        InboundEvent.fillTick(slot, 0);
        handler.onEvent(slot, 0, true);
        fanout.doWork();
    }

    public void auth(final RecordingSink sink, final String jwt)
    {
        send(sink, "{\"event\":\"auth\",\"args\":[\"" + jwt + "\"]}");
    }

    /** Opens a session, authenticates it with {@code *} and discards the greeting frames. */
    public RecordingSink authenticated(final String... permissions)
    {
        final RecordingSink sink = open();
        auth(sink, token().permissions(permissions).sign());
        sink.drain();
        clock.advanceSeconds(5);
        return sink;
    }

    public void pumpFanout()
    {
        fanout.doWork();
    }

    public static List<String> errorsStripped(final List<String> frames)
    {
        return frames.stream()
            .map(f -> f.replaceAll("Error Event \\[[0-9a-f-]{36}\\]: ", "<E>"))
            .toList();
    }
}
