package io.tern.benchmarks;

import io.tern.engine.EngineConfig;
import io.tern.engine.auth.Denylist;
import io.tern.engine.auth.TokenException;
import io.tern.engine.auth.TokenVerifier;
import io.tern.engine.fanout.FanoutAgent;
import io.tern.engine.fanout.ServerChannel;
import io.tern.engine.inbound.InboundEvent;
import io.tern.engine.inbound.InboundHandler;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ResourceUsage;
import io.tern.engine.server.ServerControl;
import io.tern.engine.server.ServerHandle;
import io.tern.engine.server.ServerState;
import io.tern.engine.session.Session;
import io.tern.engine.session.Sessions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One inbound frame through the handler as the ring delivers it: global and per-event limiting,
 * decoding, the token check and dispatch (socket IO excluded). {@code send stats} replies with a
 * stats frame through the session's outbound queue into an in-memory sink; {@code send command}
 * hands the command bytes to the server (a control that accepts and discards them).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class InboundBenchmark
{
    private static final String SERVER = "0b7e3d8a-1111-4222-8333-444455556666";
    /**
     * Every op moves the clock a second on (so the limiters always have a token); at millions of
     * ops per second a token of hours or days expires in the first warm-up iteration and every
     * later frame measures the {@code jwt error} reply instead. A thousand years outlasts any run.
     */
    private static final long TOKEN_LIFETIME_MILLIS = 1000L * 365 * 24 * 3600 * 1000;

    private final BenchClock clock = new BenchClock();
    private final InboundEvent slot = new InboundEvent();
    private InboundHandler handler;
    private TokenVerifier verifier;
    private IdleServer control;
    private DiscardingSink sink;
    private long framesBefore;
    private long commandsBefore;
    private Session session;
    private ByteBuffer[] sendStats;
    private ByteBuffer[] sendCommand;

    @Setup
    public void setUp() throws TokenException
    {
        final EngineConfig config = new EngineConfig();
        final Denylist denylist = new Denylist(0);
        final byte[] key = "benchmark-node-token-0123456789ab".getBytes(StandardCharsets.UTF_8);
        verifier = new TokenVerifier(key, false, denylist);
        final Sessions sessions = new Sessions(config, clock);
        final FanoutAgent fanout = new FanoutAgent("Tern", new io.tern.engine.EngineCounters());
        handler = new InboundHandler(config, clock, verifier, sessions, fanout, new io.tern.engine.EngineCounters());
        control = new IdleServer();
        final ServerHandle server = new ServerHandle(control, new ServerChannel(SERVER, 64 * 1024, "Tern"), 30);
        sink = new DiscardingSink();
        session = sessions.create(1, server, sink);
        sink.session = session;
        final String jwt = com.auth0.jwt.JWT.create()
            .withClaim("server_uuid", SERVER).withClaim("user_uuid", "u").withJWTId("j")
            .withArrayClaim("permissions", new String[] {"*"})
            .withIssuedAt(new java.util.Date(clock.nanos / 1_000_000))
            .withExpiresAt(new java.util.Date(clock.nanos / 1_000_000 + TOKEN_LIFETIME_MILLIS))
            .sign(com.auth0.jwt.algorithms.Algorithm.HMAC256(key));
        InboundEvent.fillOpen(slot, 0, session, verifier.verifyForServer(jwt, SERVER, clock.nanos));
        handler.onEvent(slot, 0, true);
        sendStats = new ByteBuffer[] {ByteBuffer.wrap("{\"event\":\"send stats\",\"args\":[null]}".getBytes(StandardCharsets.UTF_8))};
        sendCommand = new ByteBuffer[] {ByteBuffer.wrap("{\"event\":\"send command\",\"args\":[\"say hello \\\"world\\\"\"]}"
            .getBytes(StandardCharsets.UTF_8))};
    }

    @Setup(Level.Iteration)
    public void markIteration()
    {
        framesBefore = sink.frames;
        commandsBefore = control.commands;
    }

    /**
     * Fails the run when the ops did not take the path they are named for: the token must still
     * be valid, {@code send command} must reach the server and reply nothing, {@code send stats}
     * must reply.
     */
    @TearDown(Level.Iteration)
    public void checkPath(final BenchmarkParams params)
    {
        if (verifier.failure(session.token, clock.nanos) != null)
        {
            throw new IllegalStateException("the token stopped being valid: " + verifier.failure(session.token, clock.nanos));
        }
        final boolean command = params.getBenchmark().endsWith("sendCommand");
        if (command && (control.commands == commandsBefore || sink.frames != framesBefore))
        {
            throw new IllegalStateException("send command did not reach the server, or was answered: "
                + (control.commands - commandsBefore) + " commands, " + (sink.frames - framesBefore) + " frames");
        }
        if (!command && sink.frames == framesBefore)
        {
            throw new IllegalStateException("send stats was not answered");
        }
    }

    @Benchmark
    public void sendStats()
    {
        clock.nanos += 1_000_000_000L;
        sendStats[0].rewind();
        InboundHandler.fillText(slot, 0, session, sendStats);
        handler.onEvent(slot, 0, true);
    }

    @Benchmark
    public void sendCommand()
    {
        clock.nanos += 1_000_000_000L;
        sendCommand[0].rewind();
        InboundHandler.fillText(slot, 0, session, sendCommand);
        handler.onEvent(slot, 0, true);
    }

    /** A running server with fixed usage; commands and power are accepted and dropped. */
    private static final class IdleServer implements ServerControl
    {
        long commands;

        @Override
        public String uuid()
        {
            return SERVER;
        }

        @Override
        public ServerState state()
        {
            return ServerState.RUNNING;
        }

        @Override
        public boolean isSuspended()
        {
            return false;
        }

        @Override
        public void readUsage(final ResourceUsage into)
        {
            into.memoryBytes = 524_288_000L;
            into.cpuAbsolute = 12.345;
            into.uptimeMillis = 123_456;
            into.state = ServerState.RUNNING;
        }

        @Override
        public CommandResult sendCommand(final byte[] utf8, final int offset, final int length)
        {
            commands++;
            return CommandResult.ACCEPTED;
        }

        @Override
        public PowerResult power(final PowerAction action, final PowerListener listener)
        {
            return PowerResult.ACCEPTED;
        }

        @Override
        public void replayHistory(final HistoryConsumer consumer)
        {
        }
    }
}
